"""What the apps above mapping tell it, and what mapping tells them, without importing them.

Bills mirrors the ledger accounts mapping owns, so mapping may not import bills back
(tests/core/test_architecture.py). Bills registers, from its AppConfig.ready(), where the
currencies it needs paid come from; the mapping grid offers a row for each of them.
"""

from collections.abc import Callable, Iterable

CurrencySource = Callable[..., Iterable[str]]  # source(*, company: Company) -> currencies

_currency_sources: list[CurrencySource] = []


def register_currency_source(source: CurrencySource) -> None:
    """Add `source(company=…)` to the currencies worth mapping. Registering twice is a no-op."""
    if source not in _currency_sources:
        _currency_sources.append(source)


def currency_sources() -> list[CurrencySource]:
    """The registered currency sources, in registration order."""
    return list(_currency_sources)


AccountsChanged = Callable[..., None]  # handler(*, company: Company) -> None

_accounts_changed: list[AccountsChanged] = []


def register_accounts_changed(handler: AccountsChanged) -> None:
    """Call `handler(company=…)` when mapping changed the books' accounts (a new bank account):
    bills reads them again. Registering twice is a no-op."""
    if handler not in _accounts_changed:
        _accounts_changed.append(handler)


def accounts_changed(*, company: object) -> None:
    """Tell the registered handlers that the company's accounts changed in the books."""
    for handler in list(_accounts_changed):
        handler(company=company)
