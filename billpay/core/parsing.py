"""The one place a raw value from outside (URL, query string, form, cursor, header) becomes a number,
a date, an id, a key or bounded text.

Every parser accepts less than Python does, on purpose:

- Only ASCII digits are numbers. Python reads `int("١٢٣")` and `Decimal("١٢٣")` as 123, and
  `"²".isdigit()` is True though `int("²")` raises; other scripts' and fullwidth digits,
  underscores (`int("1_000")`), exponents, `NaN` and `Infinity` are all refused here.
- Lengths are bounded before anything is converted (`int("9" * 5000)` raises past 4,300 digits;
  a 10 kB "amount" is not worth reading).
- Magnitudes are bounded by what the column holds: an id fits a bigint, an amount fits
  DecimalField(max_digits=19, decimal_places=4), a date has a four-digit year.
- Text carries no NUL (PostgreSQL refuses it in a query) and no lone surrogate (it cannot be
  encoded as UTF-8).

Each parser raises `ParseError`, a ValueError whose message can be shown to the user as it is.
Views turn it into a 400 or a form error; forms use the fields in `core/forms.py`, built on these.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from billpay.core.money import minor_places

# Bigint: what a primary key or any integer column we filter on holds.
BIGINT_MAX = 2**63 - 1
# Money columns: DecimalField(max_digits=19, decimal_places=4) (core.models.AMOUNT).
AMOUNT_MAX_DIGITS = 19
AMOUNT_PLACES = 4
AMOUNT_MAX = Decimal(10) ** (AMOUNT_MAX_DIGITS - AMOUNT_PLACES) - Decimal(1).scaleb(-AMOUNT_PLACES)
MAX_NUMBER_LENGTH = 40  # characters: far more than any value a column here holds
MAX_CURSOR_LENGTH = 4_000  # a 300-character name in any script, as UTF-8 in base64

_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
# The app's one date format, as people type it: "5 Mar 2025", "05 march 2025", "5 Sept 2025".
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2}) +([A-Za-z]{3,9})\.? +([0-9]{4})", re.ASCII)
_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3])
}
_MONTHS["sept"] = 9
_UUID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")


class ParseError(ValueError):
    """A value from outside that is not what it must be; the message is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyDecimals(ParseError):
    """More decimal places than allowed (refused, never rounded)."""


def _text_of(value: Any, *, max_length: int, what: str) -> str:
    """The value as stripped, non-empty text of at most `max_length` characters."""
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise ParseError(f"Enter {what}.")
    if len(value) > max_length:
        raise ParseError(f"That is too long for {what}.")
    return value


def parse_int(
    value: Any,
    *,
    min_value: int = -BIGINT_MAX,
    max_value: int = BIGINT_MAX,
    what: str = "a whole number",
) -> int:
    """A whole number written in ASCII digits, within [min_value, max_value]."""
    if isinstance(value, bool):
        raise ParseError(f"Enter {what}.")
    if isinstance(value, int):
        number = value
    else:
        text = _text_of(value, max_length=MAX_NUMBER_LENGTH, what=what)
        if not _INT.fullmatch(text):
            raise ParseError(f"Enter {what}, in digits 0–9.")
        number = int(text)
    if number < min_value:
        raise ParseError(f"Enter {what} of at least {min_value}.")
    if number > max_value:
        raise ParseError(f"Enter {what} of at most {max_value}.")
    return number


def parse_id(value: Any) -> int:
    """A primary key: a positive whole number that fits a bigint."""
    return parse_int(value, min_value=1, max_value=BIGINT_MAX, what="an id")


def parse_decimal(
    value: Any,
    *,
    max_digits: int = AMOUNT_MAX_DIGITS,
    decimal_places: int = AMOUNT_PLACES,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    what: str = "a number",
) -> Decimal:
    """A plain decimal (ASCII digits, an optional point, no exponent) that fits the column.

    More decimals than `decimal_places` is an error, never a rounding.
    """
    if isinstance(value, float | bool):
        raise ParseError(f"Enter {what}.")  # never through binary floats
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ParseError(f"Enter {what}.")
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        text = _text_of(value, max_length=MAX_NUMBER_LENGTH, what=what)
        if not _DECIMAL.fullmatch(text):
            raise ParseError(f"Enter {what}, in digits 0–9 with a point for decimals.")
        number = Decimal(text)
    # Counted on the value, not on how it was written: "1.50" has two places, "1.500" too.
    places = max(-number.normalize().as_tuple().exponent, 0) if number else 0
    if places > decimal_places:
        if decimal_places == 0:
            raise TooManyDecimals(f"Enter {what} without decimals.")
        raise TooManyDecimals(f"Enter {what} with at most {decimal_places} decimal places.")
    whole_digits = len(str(abs(int(number)))) if abs(number) >= 1 else 0
    if whole_digits > max_digits - decimal_places:
        raise ParseError(f"That is too large for {what}.")
    if min_value is not None and number < min_value:
        raise ParseError(f"Enter {what} of at least {min_value}.")
    if max_value is not None and number > max_value:
        raise ParseError(f"Enter {what} of at most {max_value}.")
    if -number.as_tuple().exponent > decimal_places:
        # Trailing zeros only ("1.500" for two places): the same value, written to fit. Exact.
        number = number.quantize(Decimal(1).scaleb(-decimal_places))
    return number


def parse_amount(
    value: Any, *, currency: str, min_value: Decimal | None = None, what: str = "an amount"
) -> Decimal:
    """Money in `currency`: at most the currency's minor-unit decimals (USD 2, JPY 0, KWD 3),
    and no larger than the amount columns hold."""
    places = min(minor_places(currency), AMOUNT_PLACES)
    try:
        return parse_decimal(
            value,
            max_digits=AMOUNT_MAX_DIGITS - AMOUNT_PLACES + places,
            decimal_places=places,
            min_value=min_value,
            max_value=AMOUNT_MAX,
            what=what,
        )
    except TooManyDecimals:
        unit = "no decimals" if places == 0 else f"at most {places} decimal places"
        raise TooManyDecimals(f"{currency.upper()} amounts have {unit}.") from None


def parse_date(value: Any, *, what: str = "a date") -> date:
    """A date that exists in the calendar, as the app shows it ("5 Mar 2025", month names in
    English, full or short) or as an ISO date (YYYY-MM-DD, what links and date pickers send),
    in ASCII digits."""
    if isinstance(value, date):
        return value
    text = _text_of(value, max_length=20, what=what)
    if match := _DATE.fullmatch(text):
        parts = tuple(int(part) for part in match.groups())
    elif (match := _DAY_MONTH_YEAR.fullmatch(text)) and match[2].lower() in _MONTHS:
        parts = (int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
    else:
        raise ParseError(f"Enter {what} like 5 Mar 2025.")
    try:
        return date(*parts)
    except ValueError:
        raise ParseError(f"{text} is not a real date.") from None


def parse_uuid(value: Any, *, what: str = "a key") -> uuid.UUID:
    """A UUID in its usual hex form (hyphens optional), nothing else."""
    if isinstance(value, uuid.UUID):
        return value
    text = _text_of(value, max_length=36, what=what)
    if not _UUID.fullmatch(text):
        raise ParseError(f"That is not {what} this form gave you.")
    return uuid.UUID(text)


def parse_text(value: Any, *, max_length: int, what: str = "this", required: bool = False) -> str:
    """Text that a bounded column and a PostgreSQL query can hold: no NUL, no lone surrogate."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ParseError(f"Enter {what} as text.")
    if "\x00" in value or _SURROGATE.search(value):
        raise ParseError(f"{what[:1].upper()}{what[1:]} contains characters that are not allowed.")
    if len(value) > max_length:
        raise ParseError(f"Keep {what} to {max_length} characters.")
    if required and not value.strip():
        raise ParseError(f"Enter {what}.")
    return value


def clean_text(value: Any, *, max_length: int) -> str:
    """Best-effort text for a search or a filter: NUL and lone surrogates dropped, cut to length.

    For inputs where refusing would be unkind (a search box), not for anything that is stored.
    """
    if not isinstance(value, str):
        return ""
    return _SURROGATE.sub("", value.replace("\x00", ""))[:max_length]


def storable_text(value: str) -> str:
    """Text PostgreSQL can store, nothing dropped: NUL and lone surrogates become U+FFFD.

    For text that quotes what came from outside (webhook bodies, a sync's skip reasons).
    """
    return _UNSTORABLE.sub("\ufffd", value)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_cursor(value: Any) -> list:
    """A pagination cursor: unpadded URL-safe base64 of a JSON list.

    Only its shape is checked here; the caller checks each item as its column would.
    """
    text = _text_of(value, max_length=MAX_CURSOR_LENGTH, what="a page link")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        decoded = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise ParseError("That page link is broken.") from None
    if not isinstance(decoded, list):
        raise ParseError("That page link is broken.")
    return decoded


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def encode_cursor(items: list) -> str:
    """The opposite of parse_cursor: unpadded URL-safe base64 of compact JSON."""
    raw = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def scoped_key(*, company_id: int, key: uuid.UUID) -> uuid.UUID:
    """A form's one-time key made the company's own: the same posted key in two companies gives
    two different keys, so no company can replay, block or collide with another's submission
    (and the key sent to Codat as Idempotency-Key is never shared between companies)."""
    return uuid.uuid5(key, f"billpay-company:{company_id}")
