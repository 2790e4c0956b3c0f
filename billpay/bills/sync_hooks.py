"""What an app above bills does when a sync has just re-read the company's bills.

A pay run (billpay.runs) waits for the bills refresh it asked Codat for; Codat's read.completed
webhook starts a sync (`bills.hooks.sync_on_read_completed`), and once that sync has written the
mirror the run can verify its payments at once instead of at its next poll. Bills may not import
runs (tests/core/test_architecture.py): runs registers a plain callable here from its
AppConfig.ready(), called as `handler(company=<Company>)` after a sync that read the bills
succeeded, outside any transaction. Handlers do no network I/O and only enqueue work.
"""

from collections.abc import Callable

SyncedHandler = Callable[..., None]  # handler(*, company: Company) -> None

_synced_handlers: list[SyncedHandler] = []


def register_bills_synced_handler(handler: SyncedHandler) -> None:
    """Call `handler(company=…)` whenever a sync has re-read a company's bills."""
    if handler not in _synced_handlers:
        _synced_handlers.append(handler)


def bills_synced_handlers() -> list[SyncedHandler]:
    """The registered handlers, in registration order."""
    return list(_synced_handlers)
