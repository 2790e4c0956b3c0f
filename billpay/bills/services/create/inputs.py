"""What the create and change forms hand to the services, and the bill's totals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from billpay.core.money import quantize

if TYPE_CHECKING:
    from billpay.bills.models import Supplier, TaxRate
    from billpay.mapping.models import LedgerAccount

ZERO = Decimal("0")


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account: LedgerAccount | None
    tax_rate: TaxRate | None = None


@dataclass(frozen=True)
class BillInput:
    supplier: Supplier | None  # None with a new supplier typed into the form
    reference: str
    issue_date: date
    due_date: date
    currency: str
    lines: Sequence[LineInput]
    note: str = ""


@dataclass(frozen=True)
class SupplierInput:
    name: str
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    tax_number: str = ""
    default_currency: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class LineTotals:
    sub_total: Decimal
    tax_amount: Decimal
    total_amount: Decimal


@dataclass(frozen=True)
class BillTotals:
    lines: tuple[LineTotals, ...]
    sub_total: Decimal
    tax_amount: Decimal
    total_amount: Decimal


def bill_totals(*, lines: Sequence[LineInput], currency: str) -> BillTotals:
    """Subtotal, tax and total of the lines, each line rounded to the currency's minor unit."""
    out = []
    for line in lines:
        sub = quantize(line.quantity * line.unit_amount, currency or "XXX")
        rate = line.tax_rate.effective_tax_rate if line.tax_rate else None
        tax = (
            quantize(sub * rate / 100, currency or "XXX")
            if rate
            else quantize(ZERO, currency or "XXX")
        )
        out.append(LineTotals(sub, tax, sub + tax))
    sub_total = sum((t.sub_total for t in out), ZERO)
    tax_amount = sum((t.tax_amount for t in out), ZERO)
    return BillTotals(tuple(out), sub_total, tax_amount, sub_total + tax_amount)


def new_submission_key() -> uuid.UUID:
    """A one-time key for a form: it becomes the write's idempotency key when posted."""
    return uuid.uuid4()
