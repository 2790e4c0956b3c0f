"""Reads of the mirrored books, always scoped to one company.

The inbox pages with a keyset ("after this row") rather than OFFSET and does not count the
filter on every page view (a selective filter would make the count scan every bill of the
company): a deep page and a company with 100,000 bills cost about what page one costs. Counts
and sums per currency come from `bill_totals_by_currency`, loaded beside the page.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billpay.bills.models import DUE_KEY, ISSUE_KEY, TO_PAY, Bill
from billpay.core.parsing import (
    BIGINT_MAX,
    encode_cursor,
    parse_cursor,
    parse_date,
    parse_decimal,
    parse_text,
)

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

PAGE_SIZE = 50

# TO_PAY (models.py): bills still owed, the inbox's default; status=Open alone would miss
# PartiallyPaid. Sort keys (DUE_KEY, ISSUE_KEY) are never NULL, for index range scans.

VIEWS = {
    "to_pay": _("To pay"),
    "overdue": _("Overdue"),
    "due_7": _("Due in 7 days"),
    "due_30": _("Due in 30 days"),
    "paid": _("Paid"),
    "all": _("All"),
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
    "due": _("Due date (soonest)"),
    "-due": _("Due date (latest)"),
    "amount": _("Amount due (largest)"),
    "-amount": _("Amount due (smallest)"),
    "supplier": _("Supplier (A–Z)"),
    "issue": _("Issue date (newest)"),
}


@dataclass(frozen=True)
class InboxFilter:
    view: str = "to_pay"
    supplier: str = ""  # Codat supplier id
    currency: str = ""
    review: str = ""
    q: str = ""
    sort: str = "due"


@dataclass(frozen=True, slots=True)
class InboxBill:
    """A bill as an inbox row shows it: the page's columns only, read as plain values.

    The profile of the inbox (issue 12, point 11) found Django building 51 model instances (each
    walking Bill's every field to defer the unread ones) costing more than the query itself.
    """

    id: int
    codat_bill_id: str
    supplier_name: str
    codat_supplier_id: str
    reference: str
    issue_date: date | None
    due_date: date | None
    currency: str
    total_amount: Decimal
    amount_due: Decimal
    codat_status: str
    review_status: str
    push_state: str
    push_error: str
    push_error_i18n: dict
    sort_key: Any

    # the same rules as the model's
    is_in_books = Bill.is_in_books
    push_error_text = Bill.push_error_text

    @property
    def pk(self) -> int:
        return self.id


INBOX_COLUMNS = tuple(f.name for f in fields(InboxBill))


@dataclass(frozen=True)
class InboxPage:
    bills: list[InboxBill]
    next_cursor: str | None
    prev_cursor: str | None


def bill_list_for_inbox(
    *, company: Company, filters: InboxFilter, today: date | None = None
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
    company: Company,
    filters: InboxFilter,
    after: str = "",
    before: str = "",
    today: date | None = None,
) -> InboxPage:
    """One page of the inbox, keyset-paginated: `after`/`before` are cursors from a previous page."""
    qs = bill_list_for_inbox(company=company, filters=filters, today=today)
    _, field, descending = SORTS.get(filters.sort, SORTS["due"])
    page_qs = qs.values_list(*INBOX_COLUMNS)
    cursor = _decode(before or after, field)
    if cursor and before:
        # Walk backwards from the cursor in reversed order, then flip the rows back.
        backwards = ("sort_key", "id") if descending else ("-sort_key", "-id")
        rows = [
            InboxBill(*row)
            for row in page_qs.filter(
                _keyset(cursor, forward=False, descending=descending)
            ).order_by(*backwards)[: PAGE_SIZE + 1]
        ]
        bills = list(reversed(rows[:PAGE_SIZE]))
        has_more_before, has_more_after = len(rows) > PAGE_SIZE, True
    else:
        if cursor:
            page_qs = page_qs.filter(_keyset(cursor, forward=True, descending=descending))
        rows = [InboxBill(*row) for row in page_qs[: PAGE_SIZE + 1]]
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


def bill_totals_by_currency(*, company: Company, filters: InboxFilter) -> list[CurrencyTotal]:
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


def bill_currencies(*, company: Company) -> list[str]:
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


def _encode(bill: InboxBill) -> str:
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
