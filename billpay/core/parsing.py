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
import unicodedata
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from billpay.core.money import format_money, minor_places, money_locale

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
# Dates as the app shows them and people type them, in either language: "5 Mar 2025",
# "05 march 2025", "5 Sept 2025", "30 nov. 2026", "30 novembre 2026", "5 fevrier 2026"; and, in
# French only, "30/11/2026" (in English that order is not a given).
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2}) +([^\W\d_]{3,9})\.? +([0-9]{4})")
_DAY_SLASH_MONTH_YEAR = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", re.ASCII)


def _unaccented(word: str) -> str:
    """ "févr" → "fevr"."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _month_names() -> dict[str, int]:
    """Every month's name, short name and first three letters in English and French, lowercase,
    with and without accents (Babel's, and Django's "fév." that `|date` writes in French), but
    nothing that could mean two months ("jui": juin or juillet?). Only these: "Mär" is no month."""
    names: dict[str, set[int]] = {"sept": {9}, "fév": {2}}
    for language in ("en", "fr"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=language).items():
                for form in (name.lower().rstrip("."), name.lower()[:3]):
                    for spelling in (form, _unaccented(form)):
                        names.setdefault(spelling, set()).add(number)
    return {name: numbers.pop() for name, numbers in names.items() if len(numbers) == 1}


_MONTHS = _month_names()
# Typed amounts: digits with group separators (",", ".", a space, U+00A0 or U+202F) and one
# decimal mark ("," or "."), as people in either language type them (`_typed_number`).
_SPACES = " \u00a0\u202f"
_TYPED = re.compile(r"([+-]?)([0-9 \u00a0\u202f.,]+)", re.ASCII)
_GROUPED = re.compile(r"[0-9]{1,3}(?:(?P<sep>[ ,.])[0-9]{3})(?:(?P=sep)[0-9]{3})*", re.ASCII)
_UUID = re.compile(r"[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")


class ParseError(ValueError):
    """A value from outside that is not what it must be; the message is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyDecimals(ParseError):
    """More decimal places than allowed (refused, never rounded)."""


# Messages name the value with `what` ("an amount", lazy: « un montant » in French) and write
# bounds as the reader's language writes numbers ("0.01", « 0,01 »).
def _enter(what: str) -> str:
    return _("Enter %(what)s.") % {"what": what}


def _at_least(what: str, bound) -> str:
    return _("Enter %(what)s of at least %(bound)s.") % {"what": what, "bound": _number(bound)}


def _at_most(what: str, bound) -> str:
    return _("Enter %(what)s of at most %(bound)s.") % {"what": what, "bound": _number(bound)}


def _number(value) -> str:
    return number_format(value, use_l10n=True)


def _text_of(value: Any, *, max_length: int, what: str) -> str:
    """The value as stripped, non-empty text of at most `max_length` characters."""
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        raise ParseError(_enter(what))
    if len(value) > max_length:
        raise ParseError(_("That is too long for %(what)s.") % {"what": what})
    return value


def parse_int(
    value: Any,
    *,
    min_value: int = -BIGINT_MAX,
    max_value: int = BIGINT_MAX,
    what: str = gettext_lazy("a whole number"),
) -> int:
    """A whole number written in ASCII digits, within [min_value, max_value]."""
    if isinstance(value, bool):
        raise ParseError(_enter(what))
    if isinstance(value, int):
        number = value
    else:
        text = _text_of(value, max_length=MAX_NUMBER_LENGTH, what=what)
        if not _INT.fullmatch(text):
            raise ParseError(_("Enter %(what)s, in digits 0–9.") % {"what": what})
        number = int(text)
    if number < min_value:
        raise ParseError(_at_least(what, min_value))
    if number > max_value:
        raise ParseError(_at_most(what, max_value))
    return number


def content_length(request) -> int:
    """The size a request says its body has: 0 when it says none or nothing readable (as
    Django reads it), so a hostile header is never a 500."""
    try:
        return parse_int(request.META.get("CONTENT_LENGTH") or 0, min_value=0)
    except ParseError:
        return 0


def parse_id(value: Any) -> int:
    """A primary key: a positive whole number that fits a bigint."""
    return parse_int(value, min_value=1, max_value=BIGINT_MAX, what=gettext_lazy("an id"))


def parse_decimal(
    value: Any,
    *,
    max_digits: int = AMOUNT_MAX_DIGITS,
    decimal_places: int = AMOUNT_PLACES,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    what: str = gettext_lazy("a number"),
    typed: bool = False,
) -> Decimal:
    """A plain decimal (ASCII digits, an optional point, no exponent) that fits the column.

    `typed`: text a person typed in a form, read as people write numbers (`_typed_number`:
    "1 234,56", "1,234.56", "1234,56"), never guessing between two readings. Without it (a URL,
    a cursor) only the plain "1234.56" is a number.
    More decimals than `decimal_places` is an error, never a rounding.
    """
    if isinstance(value, float | bool):
        raise ParseError(_enter(what))  # never through binary floats
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ParseError(_enter(what))
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        text = _text_of(value, max_length=MAX_NUMBER_LENGTH, what=what)
        if typed and not _DECIMAL.fullmatch(
            text := _typed_number(text, decimal_places=decimal_places)
        ):
            raise ParseError(_number_hint())
        if not _DECIMAL.fullmatch(text):
            raise ParseError(
                _("Enter %(what)s, in digits 0–9 with a point for decimals.") % {"what": what}
            )
        number = Decimal(text)
    # Counted on the value, not on how it was written: "1.50" has two places, "1.500" too.
    places = max(-number.normalize().as_tuple().exponent, 0) if number else 0
    if places > decimal_places:
        if decimal_places == 0:
            raise TooManyDecimals(_("Enter %(what)s without decimals.") % {"what": what})
        raise TooManyDecimals(
            ngettext(
                "Enter %(what)s with at most %(places)s decimal place.",
                "Enter %(what)s with at most %(places)s decimal places.",
                decimal_places,
            )
            % {"what": what, "places": decimal_places}
        )
    whole_digits = len(str(abs(int(number)))) if abs(number) >= 1 else 0
    if whole_digits > max_digits - decimal_places:
        raise ParseError(_("That is too large for %(what)s.") % {"what": what})
    if min_value is not None and number < min_value:
        raise ParseError(_at_least(what, min_value))
    if max_value is not None and number > max_value:
        raise ParseError(_at_most(what, max_value))
    if -number.as_tuple().exponent > decimal_places:
        # Trailing zeros only ("1.500" for two places): the same value, written to fit. Exact.
        number = number.quantize(Decimal(1).scaleb(-decimal_places))
    return number


def parse_amount(
    value: Any,
    *,
    currency: str,
    min_value: Decimal | None = None,
    what: str = gettext_lazy("an amount"),
    typed: bool = False,
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
            typed=typed,
        )
    except TooManyDecimals:
        if places == 0:
            message = _("%(currency)s amounts have no decimals.")
        else:
            message = ngettext(
                "%(currency)s amounts have at most %(places)s decimal place.",
                "%(currency)s amounts have at most %(places)s decimal places.",
                places,
            )
        raise TooManyDecimals(message % {"currency": currency.upper(), "places": places}) from None


def _typed_number(text: str, *, decimal_places: int) -> str:
    """A typed number as plain "1234.56", read by what it can only mean, whatever the language:

    - groups of three digits split by one kind of separator (",", "." or a space, U+00A0 or
      U+202F), then at most one decimal mark of the other kind: "1 234,56", "1,234.56",
      "1.234.567", "1 234.5";
    - one "," or "." alone is the decimal mark ("1234,56", "0,125", "12.5") unless exactly three
      digits follow a first group of 1–3 digits ("1,234", "1.234"): that could be a thousand
      separator or a decimal mark, and is refused with the way to type it in the active language.
      Except where the field settles it by the active language's own rules: where three decimals
      are allowed (KWD, a unit price) the language's decimal mark is one ("KWD1.000", "12,345"),
      where none are (JPY) its group separator groups ("¥1,000"); that is also how `format_money`
      writes those amounts. For money in cents, `1,234` and `1.234` stay refused in both.

    Anything else ("1,23,456", "1.234,56.7") is refused: never a silent misreading.
    """
    match = _TYPED.fullmatch(text)
    if not match or not any(c.isdigit() for c in text):
        return text  # not digits and separators at all: the caller's message says what to type
    sign, body = match.groups()
    body = "".join(" " if c in _SPACES else c for c in body)
    marks = [c for c in body if c in ",."]
    last = body.rfind(marks[-1]) if marks else -1
    if marks and marks.count(marks[-1]) == 1 and " " not in body[last:]:
        whole, decimals = body[:last], body[last + 1 :]
    else:
        whole, decimals = body, None  # no mark, or a repeated one: separators of groups only
    if whole and not whole.isdigit() and not _GROUPED.fullmatch(whole):
        raise ParseError(_number_hint())
    if (
        decimals is not None
        and len(decimals) == 3
        and whole.isdigit()
        and len(whole) <= 3
        and not whole.startswith("0")
    ):
        locale = money_locale()
        if decimal_places == 0 and marks[-1] == get_group_symbol(locale):
            whole, decimals = whole + decimals, None
        elif not (decimal_places >= 3 and marks[-1] == get_decimal_symbol(locale)):
            raise ParseError(_ambiguous_hint(text, Decimal(whole + decimals)))
    digits = whole.translate(_NO_SEPARATORS)
    return f"{sign}{digits}" if decimals is None else f"{sign}{digits}.{decimals}"


_NO_SEPARATORS = str.maketrans("", "", " ,.")


def typed_number(number: Decimal) -> str:
    """`number` as a form field shows it for editing: no grouping, the active language's decimal
    mark ("1234.56", "1234,56"), and never in the one shape `_typed_number` refuses as ambiguous
    (1.234 is written "1.2340": the same value, read back exactly)."""
    text = format(number, "f")
    whole, _point, decimals = text.lstrip("-").partition(".")
    if len(decimals) == 3 and len(whole) <= 3 and not whole.startswith("0"):
        text += "0"
    return text.replace(".", get_decimal_symbol(money_locale()))


def _number_example(number: Decimal) -> str:
    """`number` with two decimals as the active language writes it ("1,234.00", "1 234,00")."""
    return format_money(number, "XXX").replace("XXX", "").replace("\u00a4", "").strip()


def _number_hint() -> str:
    return _("Type it in digits 0–9, like %(example)s.") % {
        "example": _number_example(Decimal("1234.56"))
    }


def _ambiguous_hint(text: str, thousands: Decimal) -> str:
    return _(
        "“%(typed)s” could mean two different amounts. Type it with its decimals, like %(example)s."
    ) % {"typed": text, "example": _number_example(thousands)}


def parse_date(value: Any, *, what: str = gettext_lazy("a date")) -> date:
    """A date that exists in the calendar, as the app shows it ("5 Mar 2025", "5 mars 2025":
    month names in English or French, full or short, accents optional), as 05/03/2025 in French,
    or as an ISO date (YYYY-MM-DD, what links and date pickers send), in ASCII digits."""
    if isinstance(value, date):
        return value
    text = _text_of(value, max_length=20, what=what)
    if match := _DATE.fullmatch(text):
        parts = tuple(int(part) for part in match.groups())
    elif (match := _DAY_MONTH_YEAR.fullmatch(text)) and match[2].lower() in _MONTHS:
        parts = (int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
    elif (match := _DAY_SLASH_MONTH_YEAR.fullmatch(text)) and get_language() == "fr":
        parts = (int(match[3]), int(match[2]), int(match[1]))
    else:
        raise ParseError(_("Enter a date like %(example)s.") % {"example": _date_example()})
    try:
        return date(*parts)
    except ValueError:
        raise ParseError(_("%(text)s is not a real date.") % {"text": text}) from None


def _date_example() -> str:
    return date_format(date(2025, 3, 5))


def parse_uuid(value: Any, *, what: str = gettext_lazy("a key")) -> uuid.UUID:
    """A UUID in its usual hex form (hyphens optional), nothing else."""
    if isinstance(value, uuid.UUID):
        return value
    text = _text_of(value, max_length=36, what=what)
    if not _UUID.fullmatch(text):
        raise ParseError(_("That is not %(what)s this form gave you.") % {"what": what})
    return uuid.UUID(text)


def parse_text(
    value: Any, *, max_length: int, what: str = gettext_lazy("this"), required: bool = False
) -> str:
    """Text that a bounded column and a PostgreSQL query can hold: no NUL, no lone surrogate."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ParseError(_("Enter %(what)s as text.") % {"what": what})
    if "\x00" in value or _SURROGATE.search(value):
        raise ParseError(
            _("%(what)s contains characters that are not allowed.") % {"what": capfirst(what)}
        )
    if len(value) > max_length:
        raise ParseError(
            _("Keep %(what)s to %(max_length)s characters.")
            % {"what": what, "max_length": max_length}
        )
    if required and not value.strip():
        raise ParseError(_enter(what))
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
    text = _text_of(value, max_length=MAX_CURSOR_LENGTH, what=gettext_lazy("a page link"))
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        decoded = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise ParseError(_("That page link is broken.")) from None
    if not isinstance(decoded, list):
        raise ParseError(_("That page link is broken."))
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
