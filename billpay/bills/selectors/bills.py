"""A bill's page (the bill and its activity) and the suppliers list, scoped to one company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from billpay.bills.models import TO_PAY, Bill, BillLine, Supplier
from billpay.core import words
from billpay.core.models import AuditEvent
from billpay.core.money import format_money
from billpay.core.words import stored_text

if TYPE_CHECKING:
    from billpay.onboarding.models import Company


def bill_get(*, company: Company, bill_id: int) -> Bill:
    """One bill of the company with its lines and allocations; another company's bill is a 404."""
    return get_object_or_404(
        Bill.objects.select_related("supplier", "reviewed_by").prefetch_related(
            "lines", "allocations"
        ),
        company=company,
        pk=bill_id,
        is_deleted=False,
    )


@dataclass(frozen=True)
class LineAmounts:
    """One line of a bill: before tax (net), its tax and with tax (total)."""

    line: BillLine
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class BillLines:
    """A bill's lines with net, tax and total each, their sums, and whether they match the bill."""

    rows: list[LineAmounts]
    net: Decimal
    tax: Decimal
    total: Decimal
    # The books' own figures for the whole bill, when the lines do not add up to them.
    differs: bool


def _line_amounts(line: BillLine) -> LineAmounts:
    """Net, tax and total of a line; a figure the books left out is worked out from the others."""
    zero = Decimal("0")
    if line.sub_total is not None:
        net = line.sub_total
    else:
        net = line.quantity * line.unit_amount - (line.discount_amount or zero)
    if line.total_amount is not None:
        total = line.total_amount
        tax = line.tax_amount if line.tax_amount is not None else total - net
    else:
        tax = line.tax_amount if line.tax_amount is not None else zero
        total = net + tax
    return LineAmounts(line, net, tax, total)


def bill_lines(*, bill: Bill) -> BillLines:
    """The bill's lines (prefetched by `bill_get`) with net, tax and total, and their sums."""
    rows = [_line_amounts(line) for line in bill.lines.all()]
    net = sum((r.net for r in rows), Decimal("0"))
    tax = sum((r.tax for r in rows), Decimal("0"))
    total = sum((r.total for r in rows), Decimal("0"))
    differs = bool(rows) and (net, tax, total) != (
        bill.sub_total,
        bill.tax_amount,
        bill.total_amount,
    )
    return BillLines(rows, net, tax, total, differs)


def bill_paid_on(*, bill: Bill) -> date | None:
    """The day the books last recorded a payment on the bill (allocations prefetched)."""
    days = [a.allocated_on or a.paid_on for a in bill.allocations.all()]
    days = [d for d in days if d]
    return timezone.localdate(max(days)) if days else None


def supplier_list_with_balances(*, company: Company) -> list[dict]:
    """Suppliers with their open balance per currency and bill count, by name."""
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=19, decimal_places=4))
    balances: dict[str, list[tuple[str, Decimal]]] = {}
    counts: dict[str, int] = {}
    rows = (
        Bill.objects.filter(company=company, is_deleted=False)
        .values("codat_supplier_id", "currency")
        .annotate(open=Coalesce(Sum("amount_due", filter=TO_PAY), zero), n=Count("id"))
        .order_by("codat_supplier_id", "currency")
    )
    for row in rows:
        counts[row["codat_supplier_id"]] = counts.get(row["codat_supplier_id"], 0) + row["n"]
        if row["open"]:
            balances.setdefault(row["codat_supplier_id"], []).append((row["currency"], row["open"]))
    suppliers = Supplier.objects.filter(company=company, is_deleted=False).order_by("name", "id")
    return [
        {
            "supplier": s,
            "balances": balances.get(s.codat_supplier_id, []),
            "bills": counts.get(s.codat_supplier_id, 0),
        }
        for s in suppliers
    ]


@dataclass(frozen=True)
class ActivityItem:
    at: date | datetime
    who: str
    what: str
    detail: str = ""


def _detail(data: dict) -> str:
    """An audit entry's words: ours (a kept phrase) in the reader's language; what a person
    typed (a review's reason, a note) as they typed it."""
    if "reason_i18n" in data:
        return stored_text(data.get("reason") or "", data["reason_i18n"])
    return data.get("reason") or data.get("comment") or data.get("text") or ""


def bill_activity(*, company: Company, bill: Bill) -> list[ActivityItem]:
    """What happened to the bill, newest first: review and notes here, payments and syncs in the books."""
    # The writes say which record: here it is the bill (words.audit_action says "a record").
    labels = {
        "bills.write.create": gettext("saw the bill arrive in the books"),
        "bills.write.update": gettext("saw the change arrive in the books"),
        "bills.write.delete": gettext("saw the bill removed from the books"),
        "bills.write.attachment": gettext("saw the invoice file attached in the books"),
    }
    items = [
        ActivityItem(
            e.created_at,
            str(e.actor or gettext("BillPay")),
            labels.get(e.action) or words.audit_action(e.action),
            _detail(e.data),
        )
        for e in AuditEvent.objects.filter(company=company, ref=f"bill:{bill.pk}").select_related(
            "actor"
        )[:100]
    ]
    items += [
        ActivityItem(
            a.allocated_on or a.paid_on,
            gettext("Your books"),
            gettext("recorded a payment"),
            format_money(a.amount, a.currency or bill.currency),
        )
        for a in bill.allocations.all()
        if a.allocated_on or a.paid_on
    ]
    if bill.modified_date:
        items.append(
            ActivityItem(
                bill.modified_date, gettext("Your books"), gettext("last changed the bill")
            )
        )
    if bill.is_in_books:  # a bill created here and not yet in the books was never synced
        items.append(
            ActivityItem(
                bill.synced_at, gettext("BillPay"), gettext("synced the bill from your books")
            )
        )
    return sorted(items, key=lambda item: item.at, reverse=True)
