"""Reads of the mirrored books, always scoped to one company.

The inbox pages with a keyset ("after this row") rather than OFFSET and does not count the
filter on every page view (a selective filter would make the count scan every bill of the
company): a deep page and a company with 100,000 bills cost about what page one costs. Counts
and sums per currency come from `bill_totals_by_currency`, loaded beside the page.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from billpay.bills.models import DUE_KEY, ISSUE_KEY, TO_PAY, Bill, Supplier, SyncRun
from billpay.core.models import AuditEvent
from billpay.core.money import format_money
from billpay.core.parsing import (
    BIGINT_MAX,
    encode_cursor,
    parse_cursor,
    parse_date,
    parse_decimal,
    parse_text,
)

PAGE_SIZE = 50

# TO_PAY (models.py): bills still owed, the inbox's default; status=Open alone would miss
# PartiallyPaid. Sort keys (DUE_KEY, ISSUE_KEY) are never NULL, for index range scans.

VIEWS = {
    "to_pay": "To pay",
    "overdue": "Overdue",
    "due_7": "Due in 7 days",
    "due_30": "Due in 30 days",
    "paid": "Paid",
    "all": "All",
}

# sort name → (key expression, model field the cursor value parses as, descending)
SORTS = {
    "due": (DUE_KEY, "due_date", False),
    "-due": (DUE_KEY, "due_date", True),
    "amount": (F("amount_due"), "amount_due", True),
    "-amount": (F("amount_due"), "amount_due", False),
    "supplier": (F("supplier_name"), "supplier_name", False),
    "issue": (ISSUE_KEY, "issue_date", True),
}
SORT_LABELS = {
    "due": "Due date (soonest)",
    "-due": "Due date (latest)",
    "amount": "Amount due (largest)",
    "-amount": "Amount due (smallest)",
    "supplier": "Supplier (A–Z)",
    "issue": "Issue date (newest)",
}


@dataclass(frozen=True)
class InboxFilter:
    view: str = "to_pay"
    supplier: str = ""  # Codat supplier id
    currency: str = ""
    review: str = ""
    q: str = ""
    sort: str = "due"


@dataclass(frozen=True)
class InboxPage:
    bills: list[Bill]
    next_cursor: str | None
    prev_cursor: str | None


def bill_list_for_inbox(
    *, company: Any, filters: InboxFilter, today: date | None = None
) -> QuerySet[Bill]:
    """The company's bills matching the inbox filters, in the requested order."""
    today = today or timezone.localdate()
    qs = Bill.objects.filter(company=company, is_deleted=False)
    match filters.view:
        case "to_pay":
            qs = qs.filter(TO_PAY)
        case "overdue":
            qs = qs.filter(TO_PAY, due_date__lt=today)
        case "due_7" | "due_30":
            days = 7 if filters.view == "due_7" else 30
            qs = qs.filter(TO_PAY, due_date__gte=today, due_date__lte=today + timedelta(days=days))
        case "paid":
            qs = qs.filter(codat_status="Paid")
    if filters.supplier:
        qs = qs.filter(codat_supplier_id=filters.supplier)
    if filters.currency:
        qs = qs.filter(currency=filters.currency)
    if filters.review:
        qs = qs.filter(review_status=filters.review)
    if filters.q:
        # search_text is stored lower-cased; a trigram index serves this LIKE on PostgreSQL.
        qs = qs.filter(search_text__contains=filters.q.strip().lower())
    key, _, descending = SORTS.get(filters.sort, SORTS["due"])
    qs = qs.annotate(sort_key=key)
    return qs.order_by("-sort_key", "-id") if descending else qs.order_by("sort_key", "id")


def bill_inbox_page(
    *,
    company: Any,
    filters: InboxFilter,
    after: str = "",
    before: str = "",
    today: date | None = None,
) -> InboxPage:
    """One page of the inbox, keyset-paginated: `after`/`before` are cursors from a previous page."""
    qs = bill_list_for_inbox(company=company, filters=filters, today=today)
    _, field, descending = SORTS.get(filters.sort, SORTS["due"])
    columns = ("id", "codat_bill_id", "supplier_name", "codat_supplier_id", "reference", "issue_date",
               "due_date", "currency", "total_amount", "amount_due", "codat_status", "review_status",
               "push_state", "push_error")  # fmt: skip
    page_qs = qs.only(*columns)
    cursor = _decode(before or after, field)
    if cursor and before:
        # Walk backwards from the cursor in reversed order, then flip the rows back.
        backwards = ("sort_key", "id") if descending else ("-sort_key", "-id")
        rows = list(
            page_qs.filter(_keyset(cursor, forward=False, descending=descending)).order_by(
                *backwards
            )[: PAGE_SIZE + 1]
        )
        bills = list(reversed(rows[:PAGE_SIZE]))
        has_more_before, has_more_after = len(rows) > PAGE_SIZE, True
    else:
        if cursor:
            page_qs = page_qs.filter(_keyset(cursor, forward=True, descending=descending))
        rows = list(page_qs[: PAGE_SIZE + 1])
        bills = rows[:PAGE_SIZE]
        has_more_before, has_more_after = bool(cursor), len(rows) > PAGE_SIZE
    return InboxPage(
        bills=bills,
        next_cursor=_encode(bills[-1]) if bills and has_more_after else None,
        prev_cursor=_encode(bills[0]) if bills and has_more_before else None,
    )


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    total_amount: Decimal
    amount_due: Decimal
    bills: int


def bill_totals_by_currency(*, company: Any, filters: InboxFilter) -> list[CurrencyTotal]:
    """Sum of total and amount due per currency over the whole filter (not just the page)."""
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=19, decimal_places=4))
    rows = (
        bill_list_for_inbox(company=company, filters=filters)
        .order_by()
        .values("currency")
        .annotate(
            total=Coalesce(Sum("total_amount"), zero),
            due=Coalesce(Sum("amount_due"), zero),
            n=Count("id"),
        )
        .order_by("currency")
    )
    return [CurrencyTotal(r["currency"], r["total"], r["due"], r["n"]) for r in rows]


def bill_get(*, company: Any, bill_id: int) -> Bill:
    """One bill of the company with its lines and allocations; another company's bill is a 404."""
    return get_object_or_404(
        Bill.objects.select_related("supplier", "reviewed_by").prefetch_related(
            "lines", "allocations"
        ),
        company=company,
        pk=bill_id,
        is_deleted=False,
    )


def bill_currencies(*, company: Any) -> list[str]:
    """Currencies the company has bills in, for the inbox's currency filter.

    A DISTINCT over every bill grows with the company, so it is cached until the next sync.
    """
    key = currencies_cache_key(company.pk)
    currencies = cache.get(key)
    if currencies is None:
        currencies = list(
            Bill.objects.filter(company=company, is_deleted=False)
            .order_by("currency")
            .values_list("currency", flat=True)
            .distinct()
        )
        cache.set(key, currencies, timeout=3600)
    return currencies


def currencies_cache_key(company_id: int) -> str:
    return f"billpay:bill-currencies:{company_id}"


def supplier_list_with_balances(*, company: Any) -> list[dict]:
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


def sync_run_latest(*, company: Any) -> SyncRun | None:
    """The company's most recent sync run, if any."""
    return SyncRun.objects.filter(company=company).first()


@dataclass(frozen=True)
class FirstSync:
    """How far the company's first read of its books has got: what the inbox may claim.

    Until a sync has succeeded once, an empty inbox says nothing about the bills in the books:
    they are being read (`reading`), the read failed (`failed`, `latest.error` says why), or no
    read has started (`not_started`). Only once `done` may it say that every bill is paid.
    """

    latest: SyncRun | None
    done: bool

    @property
    def reading(self) -> bool:
        return not self.done and self.latest is not None and self.latest.is_active

    @property
    def failed(self) -> bool:
        return (
            not self.done
            and self.latest is not None
            and self.latest.status == SyncRun.Status.FAILED
        )

    @property
    def not_started(self) -> bool:
        return not self.done and self.latest is None


def sync_first_state(*, company: Any) -> FirstSync:
    """Whether the company's books have been read once, and its latest sync run.

    One query when the latest run succeeded (the usual case), two otherwise.
    """
    latest = sync_run_latest(company=company)
    done = latest is not None and (
        latest.status == SyncRun.Status.SUCCEEDED
        or SyncRun.objects.filter(company=company, status=SyncRun.Status.SUCCEEDED).exists()
    )
    return FirstSync(latest=latest, done=done)


# --- keyset helpers -------------------------------------------------------------------------------


def _keyset(cursor: tuple[Any, int], *, forward: bool, descending: bool) -> Q:
    """Rows after (forward) or before the cursor in (sort_key, id) order.

    Written as `key >= v AND (key > v OR id > i)` rather than with an OR at the top, so the
    database starts an index range scan at the cursor instead of filtering from the first row.
    """
    value, last_id = cursor
    upward = forward != descending
    op, strict = ("gte", "gt") if upward else ("lte", "lt")
    return Q(**{f"sort_key__{op}": value}) & (
        Q(**{f"sort_key__{strict}": value}) | Q(**{f"id__{strict}": last_id})
    )


def _encode(bill: Bill) -> str:
    return encode_cursor([str(bill.sort_key), bill.pk])


# How the key of each sort is read back from a cursor: as its column would hold it, so an edited
# cursor (or one from another sort) never reaches the query as a value the database refuses.
_CURSOR_KEYS = {
    "due_date": parse_date,
    "issue_date": parse_date,
    "amount_due": parse_decimal,  # within DecimalField(max_digits=19, decimal_places=4)
    "supplier_name": lambda value: parse_text(value, max_length=300),
}


def _decode(cursor: str, field: str) -> tuple[Any, int] | None:
    """The (sort key, id) a cursor holds; None (the first page) for anything else."""
    if not cursor:
        return None
    try:
        value, last_id = parse_cursor(cursor)
        if not isinstance(value, str) or isinstance(last_id, bool) or not isinstance(last_id, int):
            return None
        # An id past any row's is still a place in the order: clamp it to what a bigint holds.
        return _CURSOR_KEYS[field](value), min(max(last_id, 0), BIGINT_MAX)
    except ValueError:  # ParseError, or not a pair
        return None  # a mangled cursor shows the first page rather than an error


@dataclass(frozen=True)
class ActivityItem:
    at: Any
    who: str
    what: str
    detail: str = ""


def bill_activity(*, company: Any, bill: Bill) -> list[ActivityItem]:
    """What happened to the bill, newest first: review and notes here, payments and syncs in the books."""
    labels = {
        "bill.review.approved": "approved the bill",
        "bill.review.rejected": "rejected the bill",
        "bill.review.pending": "reset the review",
        "bill.note": "added a note",
        "bill.created": "created the bill here",
        "bill.changed": "changed the bill",
        "bill.deleted": "deleted the bill",
        "bill.resent": "sent the bill again",
        "bills.write.create": "saw the bill arrive in the books",
        "bills.write.update": "saw the change arrive in the books",
        "bills.write.delete": "saw the bill removed from the books",
        "bills.write.attachment": "saw the invoice file attached in the books",
        "bills.write.failed": "could not write to the books",
    }
    items = [
        ActivityItem(
            e.created_at,
            str(e.actor or "BillPay"),
            labels.get(e.action, e.action),
            e.data.get("reason") or e.data.get("text") or "",
        )  # fmt: skip
        for e in AuditEvent.objects.filter(company=company, ref=f"bill:{bill.pk}").select_related(
            "actor"
        )[:100]
    ]
    items += [
        ActivityItem(
            a.allocated_on or a.paid_on,
            "Your books",
            "recorded a payment",
            format_money(a.amount, a.currency or bill.currency),
        )
        for a in bill.allocations.all()
        if a.allocated_on or a.paid_on
    ]
    if bill.modified_date:
        items.append(ActivityItem(bill.modified_date, "Your books", "last changed the bill"))
    if bill.is_in_books:  # a bill created here and not yet in the books was never synced
        items.append(ActivityItem(bill.synced_at, "BillPay", "synced the bill from your books"))
    return sorted(items, key=lambda item: item.at, reverse=True)
