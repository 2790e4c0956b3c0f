"""Values as e-invoices write them: strict decimals, CII and ISO dates, bounded texts.

A value that is not what the standard says is "malformed" (with the value in the message),
never a 500 and never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, localcontext

from django.utils.translation import gettext_noop

from billpay.core.parsing import AMOUNT_MAX
from billpay.core.words import phrase
from billpay.inbound.einvoice.document import Refused, Totals
from billpay.inbound.einvoice.fields import WHAT

NAME_MAX = 300  # names, the number, emails (the draft's columns hold 300)
TEXT_MAX = 1000  # descriptions, notes, payment terms
# At most 15 digits before the point and 10 after: sums stay exact in Decimal's 28 digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,10})?|\.[0-9]{1,10})", re.ASCII)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_CII_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)


def text(value: str | None, limit: int = NAME_MAX) -> str:
    """A text as written, its whitespace collapsed, without control characters, bounded."""
    if not value:
        return ""
    cleaned = "".join(c if c.isprintable() else " " for c in value)
    return " ".join(cleaned.split())[:limit]


def _shown(value: str) -> str:
    return text(value, 40)


def number(value: str | None, *, what: object) -> Decimal | None:
    """A decimal as EN 16931 writes it ("1234.50", no exponent, no thousands separator)."""
    if value is None:
        return None
    raw = value.strip()
    if not raw:
        return None
    if not _NUMBER.fullmatch(raw):
        raise Refused(
            "malformed",
            phrase(
                gettext_noop("In this e-invoice, %(what)s is not a number: “%(value)s”."),
                what=what,
                value=_shown(raw),
            ),
        )
    return Decimal(raw)


def iso_date(value: str | None, *, what: object) -> date | None:
    """A UBL date: 2026-03-15."""
    return _date(value, _ISO_DATE, what)


def cii_date(value: str | None, fmt: str | None, *, what: object) -> date | None:
    """A CII date: format 102 (20260315); an ISO date is accepted too."""
    if value is None or not value.strip():
        return None
    if (fmt or "102").strip() == "102" and _CII_DATE.fullmatch(value.strip()):
        return _date(value, _CII_DATE, what)
    return _date(value, _ISO_DATE, what)


def _date(value: str | None, pattern: re.Pattern, what: object) -> date | None:
    if value is None or not value.strip():
        return None
    match = pattern.fullmatch(value.strip())
    try:
        if not match:
            raise ValueError
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise Refused(
            "malformed",
            phrase(
                gettext_noop("In this e-invoice, %(what)s is not a date: “%(value)s”."),
                what=what,
                value=_shown(value),
            ),
        ) from None


def currency(value: str | None) -> str:
    code = (value or "").strip().upper()
    if not _CURRENCY.fullmatch(code):
        raise Refused(
            "malformed",
            phrase(
                gettext_noop("This e-invoice's currency is not a currency code: “%(value)s”."),
                value=_shown(value or ""),
            ),
        )
    return code


def per_unit(price: Decimal | None, base: Decimal | None) -> Decimal:
    """A net price (BT-146) given per `base` units (BT-149, "per 100") → per one unit."""
    if price is None:
        return Decimal(0)
    if base is None or base in (0, 1):
        return price
    with localcontext(prec=60):
        exact = (price / base).quantize(Decimal("1E-8")).normalize()
    return Decimal(format(exact, "f"))  # "10", never "1E+1"


def totals(
    found: Mapping[str, Decimal | None],
    tax_total: Decimal | None,
    adjustments: Iterable[tuple[bool, Decimal]],
) -> Totals:
    """The document's totals (BG-22) from what it states, by what (None: not stated): line_total,
    tax_exclusive, tax_inclusive, prepaid, rounding, payable, allowance_total, charge_total.

    `adjustments`: the document-level allowances and charges as (is a charge, amount), read
    only when the document states no sum of them. What is missing follows from the rest.
    """
    allowances, charges = found.get("allowance_total"), found.get("charge_total")
    if allowances is None or charges is None:
        summed = {True: Decimal(0), False: Decimal(0)}
        for is_charge, amount in adjustments:
            summed[is_charge] += amount
        allowances = summed[False] if allowances is None else allowances
        charges = summed[True] if charges is None else charges
    line_total, tax_exclusive = found.get("line_total"), found.get("tax_exclusive")
    tax_inclusive, payable = found.get("tax_inclusive"), found.get("payable")
    prepaid = found.get("prepaid") or Decimal(0)
    rounding = found.get("rounding") or Decimal(0)
    tax_total = tax_total if tax_total is not None else Decimal(0)
    if tax_inclusive is None:
        tax_inclusive = (tax_exclusive or Decimal(0)) + tax_total
    if payable is None:
        payable = tax_inclusive - prepaid + rounding
    for what, amount in (("tax_inclusive", tax_inclusive), ("payable", payable)):
        if abs(amount) > AMOUNT_MAX:  # a sum of stated amounts no bill's columns can hold
            raise Refused(
                "malformed",
                phrase(
                    gettext_noop("In this e-invoice, %(what)s is too large: “%(value)s”."),
                    what=WHAT[what],
                    value=_shown(str(amount)),
                ),
            )
    return Totals(
        line_total=line_total if line_total is not None else (tax_exclusive or Decimal(0)),
        tax_exclusive=tax_exclusive if tax_exclusive is not None else Decimal(0),
        tax_amount=tax_total,
        tax_inclusive=tax_inclusive,
        prepaid=prepaid,
        payable=payable,
        allowances=allowances,
        charges=charges,
        rounding=rounding,
    )
