"""What the apps above mapping tell it, without mapping importing them.

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
