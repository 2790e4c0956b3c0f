"""Money: the only place that rounds or formats amounts.

Amounts are Decimal from the moment they arrive until they leave. Rounding happens only when a
payment is created or a value is displayed, to the currency's minor unit, ROUND_HALF_UP.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

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


def format_money(amount: Decimal | None, currency: str, locale: str = "en_US") -> str:
    """'$1,234.50', '€9.99', 'CHF 12.00': rounded to the minor unit and formatted by babel."""
    if amount is None:
        return ""
    return format_currency(
        quantize(amount, currency), currency.upper(), locale=locale, currency_digits=True
    )
