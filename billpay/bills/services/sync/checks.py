"""What the sync refuses to write: records our columns cannot hold exactly.

Codat's schemas promise little (every field is optional, amounts are any JSON number, dates
are any string), and PostgreSQL would either refuse a batch (a value too long, too large, a
NUL) or, worse, store something else silently (a fifth decimal rounded away, a truncated
currency code, an unparseable date as NULL). Each record is checked against the columns it
lands in before it is written; one that fails is skipped and counted on the SyncRun with a
reason staff can read, and the rest of the sync goes on.

The checks read each model's field definitions once, so they cost a few attribute reads per
value on the sync's hot path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel.numbers import list_currencies
from django.db import models

from billpay.bills.models import Bill, BillAllocation, CreditNote, Supplier, TaxRate
from billpay.mapping.models import LedgerAccount

CURRENCIES = frozenset(list_currencies())  # ISO 4217 codes, historic ones and XXX included

# Per model: the Codat JSON keys holding dates, and the columns holding currency codes.
_DATE_KEYS = {
    Bill: ("issueDate", "dueDate", "modifiedDate"),
    CreditNote: ("issueDate", "modifiedDate", "sourceModifiedDate"),
    Supplier: ("modifiedDate",),
    TaxRate: ("modifiedDate",),
    LedgerAccount: ("modifiedDate",),
}
_CURRENCY_COLUMNS = {
    Bill: ("currency",),
    CreditNote: ("currency",),
    Supplier: ("default_currency",),
    LedgerAccount: ("currency",),
    BillAllocation: ("currency",),
}


def row_problem(row: models.Model, raw: Mapping[str, object]) -> str | None:
    """Why `row` (built from the Codat record `raw`) cannot be stored as it is, or None."""
    model = type(row)
    for name, check in _checks(model):
        problem = check(getattr(row, name))
        if problem:
            return f"{name} {problem}"
    for key in _DATE_KEYS.get(model, ()):
        value = raw.get(key)
        if value not in (None, "") and getattr(row, _DATE_ATTRS[key]) is None:
            return f"{key} is not a date we can read ({_short(value)})"
    for name in _CURRENCY_COLUMNS.get(model, ()):
        problem = _currency_problem(getattr(row, name))
        if problem:
            return f"{name} {problem}"
    if model is Bill and row.amount_due < 0:
        return f"amountDue is negative ({row.amount_due})"
    if model is CreditNote and row.remaining_credit < 0:
        return f"remainingCredit is negative ({row.remaining_credit})"
    return None


def dict_problem(model: type[models.Model], row: Mapping[str, object]) -> str | None:
    """The same checks for a row given as {attname: value} (bill lines and allocations)."""
    for name, check in _checks(model):
        if name in row:
            problem = check(row[name])
            if problem:
                return f"{model.__name__}.{name} {problem}"
    for name in _CURRENCY_COLUMNS.get(model, ()):
        problem = _currency_problem(row.get(name, ""))
        if problem:
            return f"{model.__name__}.{name} {problem}"
    return None


def first_problem(model: type[models.Model], rows: Iterable[Mapping[str, object]]) -> str | None:
    return next((p for row in rows if (p := dict_problem(model, row))), None)


# Where each date key lands (modifiedDate on every mirrored model).
_DATE_ATTRS = {
    "issueDate": "issue_date",
    "dueDate": "due_date",
    "modifiedDate": "modified_date",
    "sourceModifiedDate": "source_modified_date",
}


def _currency_problem(code: Any) -> str | None:
    if code in (None, ""):
        return None  # absent: Codat's fields are optional
    if code not in CURRENCIES:
        return f"is not an ISO 4217 currency ({_short(code)})"
    return None


@cache
def _checks(model: type[models.Model]) -> tuple[tuple[str, Any], ...]:
    checks = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DecimalField):
            checks.append((field.attname, _decimal_check(field.max_digits, field.decimal_places)))
        elif isinstance(field, models.CharField | models.TextField):
            checks.append((field.attname, _text_check(field.max_length)))
    return tuple(checks)


def _decimal_check(max_digits: int, places: int):
    limit = Decimal(10) ** (max_digits - places)
    step = Decimal(1).scaleb(-places)

    def check(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)  # the sync's defaults (`or 0`)
        if not isinstance(value, Decimal) or not value.is_finite():
            return f"is not a number ({_short(value)})"
        if abs(value) >= limit:
            return f"is too large to store ({_short(value)})"
        try:
            exact = value.quantize(step) == value
        except InvalidOperation:
            exact = False
        if not exact:
            return f"has more than {places} decimals ({_short(value)})"
        return None

    return check


def _text_check(max_length: int | None):
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        if max_length is not None and len(value) > max_length:
            return f"is longer than {max_length} characters"
        if "\x00" in value:
            return "contains a NUL character"
        return None

    return check


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"
