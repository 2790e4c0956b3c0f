"""What an app above payments does when one of its batched payments settles, or when one of its
payments is deleted from the books.

A pay run (billpay.runs) sends many payments and asks Codat to re-read the bills once for all of
them; payments may not import it (tests/core/test_architecture.py). It registers a plain callable
here from its AppConfig.ready(), called as `handler(payment=<Payment>)` inside the transaction
that moved a payment with `refresh_by_batch` to recorded (pending), failed or on hold. Handlers do
no network I/O and enqueue only on commit.
"""

from collections.abc import Callable

SettledHandler = Callable[..., None]  # handler(*, payment: Payment) -> None

_settled_handlers: list[SettledHandler] = []


def register_batch_settled_handler(handler: SettledHandler) -> None:
    """Call `handler(payment=…)` whenever a batched payment is recorded, fails or is held."""
    if handler not in _settled_handlers:
        _settled_handlers.append(handler)


def batch_settled_handlers() -> list[SettledHandler]:
    """The registered handlers, in registration order."""
    return list(_settled_handlers)


_deleted_handlers: list[SettledHandler] = []


def register_deleted_handler(handler: SettledHandler) -> None:
    """Call `handler(payment=…)` inside the transaction that marks a payment deleted from the
    books (its bill is due again). Handlers do no network I/O."""
    if handler not in _deleted_handlers:
        _deleted_handlers.append(handler)


def deleted_handlers() -> list[SettledHandler]:
    """The registered handlers, in registration order."""
    return list(_deleted_handlers)
