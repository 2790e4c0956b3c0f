"""Money: the only place that rounds or formats amounts.

Amounts are Decimal from the moment they arrive until they leave. Rounding happens only when a
payment is created or a value is displayed, to the currency's minor unit, ROUND_HALF_UP.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
)
from django.utils.translation import get_language

LEDGER_PLACES = 4  # DecimalField(max_digits=19, decimal_places=4) everywhere an amount is stored


def to_decimal(value: object) -> Decimal:
    """Decimal from a Decimal, int or numeric string; floats are refused (they are inexact)."""
    if isinstance(value, float):
        raise TypeError("Refusing a float amount: pass a Decimal or a string.")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"Cannot read an amount from {type(value).__name__}.")
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount.") from exc


@lru_cache(maxsize=1024)
def minor_places(currency: str) -> int:
    """Digits after the point in the currency's minor unit (JPY 0, USD 2, KWD 3; unknown 2)."""
    try:
        return get_currency_precision(currency.upper())
    except Exception:  # babel raises a plain KeyError-like error for unknown codes
        return 2


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up."""
    exponent = Decimal(1).scaleb(-minor_places(currency))
    return to_decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


# The Babel locale each language writes money in (settings.LANGUAGES).
MONEY_LOCALES = {"en": "en_US", "fr": "fr_FR"}


def money_locale(language: str | None = None) -> str:
    """The Babel locale for `language` (default: the active one): 'fr' → 'fr_FR', else 'en_US'."""
    language = (language or get_language() or "en").lower()
    return MONEY_LOCALES.get(language.split("-")[0], MONEY_LOCALES["en"])


def format_money(amount: Decimal | None, currency: str, locale: str | None = None) -> str:
    """'$1,234.50' or '1 234,50 $US', '€9.99' or '9,99 €': rounded to the minor unit and written
    as babel writes it in `locale` (default: the active language's, `money_locale()`).

    Babel parses its pattern and looks up the locale's symbols on every call (a tenth of a
    millisecond: a fifth of the inbox's rendering). Its output is a fixed prefix and suffix per
    sign around the grouped digits, so those and the locale's group and decimal symbols are
    worked out once per currency and locale (`_affixes`) and the digits come from Python's own
    formatting, with babel's characters put in (fr_FR groups with U+202F, a narrow no-break space).
    """
    if amount is None:
        return ""
    locale = locale or money_locale()
    number = quantize(amount, currency)
    affixes = _affixes(currency.upper(), locale)
    if affixes is None:
        return format_currency(number, currency.upper(), locale=locale, currency_digits=True)
    return _apply(number, affixes)


# prefix, suffix, negative prefix and suffix, places, and Python's ",." as the locale writes them
Affixes = tuple[str, str, str, str, int, dict[int, str]]


def _apply(number: Decimal, affixes: Affixes) -> str:
    prefix, suffix, negative_prefix, negative_suffix, places, symbols = affixes
    digits = format(number.copy_abs(), f",.{places}f").translate(symbols)
    if number.is_signed():  # as babel: -0.00 keeps its sign
        return f"{negative_prefix}{digits}{negative_suffix}"
    return f"{prefix}{digits}{suffix}"


# Amounts babel must write exactly as `_apply` does before its affixes are trusted.
_CHECKS = ("0", "-0", "0.5", "-0.01", "7", "999.995", "1000", "-1234567.891", "98765432109876.5")


@lru_cache(maxsize=1024)
def _affixes(currency: str, locale: str) -> Affixes | None:
    """How babel writes `currency` in `locale` around Python's grouped digits, with the locale's
    group and decimal symbols put in; None where it groups the digits otherwise (en_IN's
    12,34,567.00): those amounts go through babel every time."""

    def babel(number: Decimal) -> str:
        return format_currency(number, currency, locale=locale, currency_digits=True)

    places = minor_places(currency)
    symbols = str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})
    probe = quantize(Decimal("1234567.891"), currency)
    digits = format(probe, f",.{places}f").translate(symbols)
    positive, negative = babel(probe), babel(-probe)
    if positive.count(digits) != 1 or negative.count(digits) != 1:
        return None
    affixes = (*positive.split(digits), *negative.split(digits), places, symbols)
    for check in _CHECKS:
        number = quantize(Decimal(check), currency)
        if _apply(number, affixes) != babel(number):
            return None
    return affixes
