import base64
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from billpay.bills import selectors
from billpay.bills.models import Bill, BillAllocation
from billpay.bills.selectors import (
    InboxFilter,
    bill_activity,
    bill_currencies,
    bill_get,
    bill_inbox_page,
    bill_list_for_inbox,
    bill_totals_by_currency,
    supplier_list_with_balances,
)
from billpay.bills.services import bill_note_add, bill_review
from billpay.core.models import AuditEvent
from tests.factories import BillFactory, BillLineFactory, SupplierFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

TODAY = date(2026, 3, 10)


def _ids(bills):
    return [bill.pk for bill in bills]


def _inbox(company, **filters):
    return list(bill_list_for_inbox(company=company, filters=InboxFilter(**filters), today=TODAY))


# --- views (tabs) ---------------------------------------------------------------------------------


def test_to_pay_lists_open_and_partially_paid_bills(company):
    open_bill = BillFactory(company=company, codat_status="Open")
    partly_paid = BillFactory(
        company=company,
        codat_status="PartiallyPaid",
        total_amount=Decimal("100.00"),
        amount_due=Decimal("40.00"),
    )

    bills = _inbox(company, view="to_pay")

    assert set(_ids(bills)) == {open_bill.pk, partly_paid.pk}


@pytest.mark.parametrize(
    "overrides",
    [
        {"codat_status": "Paid", "amount_due": Decimal("0")},
        {"codat_status": "Void"},
        {"codat_status": "Draft"},
        {"is_deleted": True},
    ],
    ids=["paid", "void", "draft", "deleted"],
)
def test_to_pay_leaves_out_bills_that_are_not_owed(company, overrides):
    BillFactory(company=company, **overrides)

    assert _inbox(company, view="to_pay") == []


def test_the_default_view_is_to_pay(company):
    BillFactory(company=company, codat_status="Paid", amount_due=Decimal("0"))
    owed = BillFactory(company=company)

    assert _ids(_inbox(company)) == [owed.pk]


def test_overdue_lists_owed_bills_due_before_today(company):
    late = BillFactory(company=company, due_date=TODAY - timedelta(days=1))
    BillFactory(company=company, due_date=TODAY)
    BillFactory(company=company, due_date=None)
    BillFactory(
        company=company,
        due_date=TODAY - timedelta(days=5),
        codat_status="Paid",
        amount_due=Decimal("0"),
    )

    assert _ids(_inbox(company, view="overdue")) == [late.pk]


def test_due_7_lists_owed_bills_due_from_today_to_a_week_ahead(company):
    today = BillFactory(company=company, due_date=TODAY)
    in_a_week = BillFactory(company=company, due_date=TODAY + timedelta(days=7))
    BillFactory(company=company, due_date=TODAY + timedelta(days=8))
    BillFactory(company=company, due_date=TODAY - timedelta(days=1))
    BillFactory(company=company, due_date=TODAY + timedelta(days=2), codat_status="Void")

    assert _ids(_inbox(company, view="due_7")) == [today.pk, in_a_week.pk]


def test_due_30_lists_owed_bills_due_from_today_to_thirty_days_ahead(company):
    today = BillFactory(company=company, due_date=TODAY)
    in_30 = BillFactory(company=company, due_date=TODAY + timedelta(days=30))
    BillFactory(company=company, due_date=TODAY + timedelta(days=31))
    BillFactory(company=company, due_date=TODAY - timedelta(days=1))

    assert _ids(_inbox(company, view="due_30")) == [today.pk, in_30.pk]


def test_paid_lists_only_paid_bills(company):
    paid = BillFactory(company=company, codat_status="Paid", amount_due=Decimal("0"))
    BillFactory(company=company, codat_status="PartiallyPaid", amount_due=Decimal("1.00"))
    BillFactory(company=company, codat_status="Paid", amount_due=Decimal("0"), is_deleted=True)

    assert _ids(_inbox(company, view="paid")) == [paid.pk]


def test_all_lists_every_bill_except_deleted_ones(company):
    kept = [
        BillFactory(company=company, codat_status="Open"),
        BillFactory(company=company, codat_status="Paid", amount_due=Decimal("0")),
        BillFactory(company=company, codat_status="Void"),
        BillFactory(company=company, codat_status="Draft"),
    ]
    BillFactory(company=company, is_deleted=True)

    assert set(_ids(_inbox(company, view="all"))) == set(_ids(kept))


# --- filters and search ---------------------------------------------------------------------------


def test_supplier_filter_keeps_only_that_suppliers_bills(company):
    acme = SupplierFactory(company=company, codat_supplier_id="sup-acme")
    acme_bill = BillFactory(company=company, supplier=acme)
    BillFactory(company=company)

    assert _ids(_inbox(company, supplier="sup-acme")) == [acme_bill.pk]


def test_currency_filter_keeps_only_bills_in_that_currency(company):
    eur = BillFactory(company=company, currency="EUR")
    BillFactory(company=company, currency="USD")

    assert _ids(_inbox(company, currency="EUR")) == [eur.pk]


def test_review_filter_keeps_only_bills_in_that_review_state(company):
    approved = BillFactory(company=company, review_status=Bill.Review.APPROVED)
    BillFactory(company=company, review_status=Bill.Review.PENDING)
    BillFactory(company=company, review_status=Bill.Review.REJECTED)

    assert _ids(_inbox(company, review="approved")) == [approved.pk]


@pytest.mark.parametrize(
    "query", ["acme", "ACME Plumbing", "inv-77", "copper", "  Copper PIPE  "], ids=repr
)
def test_search_matches_supplier_name_reference_and_line_descriptions(company, query):
    match = BillFactory(
        company=company,
        supplier_name="Acme Plumbing",
        reference="INV-77",
        search_text="acme plumbing inv-77 copper pipe, 15mm",
    )
    BillFactory(company=company, supplier_name="Other", reference="X-1", search_text="other x-1")

    assert _ids(_inbox(company, q=query)) == [match.pk]


def test_search_treats_like_wildcards_literally(company):
    BillFactory(company=company, search_text="acme inv-1")
    discount = BillFactory(company=company, search_text="acme inv-2 10% discount")

    assert _ids(_inbox(company, q="10%")) == [discount.pk]
    assert _ids(_inbox(company, q="%")) == [discount.pk]


def test_filters_combine(company):
    acme = SupplierFactory(company=company, codat_supplier_id="sup-acme")
    wanted = BillFactory(
        company=company, supplier=acme, currency="EUR", due_date=TODAY - timedelta(days=2)
    )
    BillFactory(company=company, supplier=acme, currency="USD", due_date=TODAY - timedelta(days=2))
    BillFactory(company=company, supplier=acme, currency="EUR", due_date=TODAY + timedelta(days=2))
    BillFactory(company=company, currency="EUR", due_date=TODAY - timedelta(days=2))

    bills = _inbox(company, view="overdue", supplier="sup-acme", currency="EUR")

    assert _ids(bills) == [wanted.pk]


# --- sorts ----------------------------------------------------------------------------------------


def test_due_sort_puts_the_soonest_first_and_bills_without_a_due_date_last(company):
    no_due = BillFactory(company=company, due_date=None)
    later = BillFactory(company=company, due_date=TODAY + timedelta(days=9))
    sooner = BillFactory(company=company, due_date=TODAY + timedelta(days=1))
    same_day = BillFactory(company=company, due_date=TODAY + timedelta(days=1))

    assert _ids(_inbox(company, sort="due")) == [sooner.pk, same_day.pk, later.pk, no_due.pk]


def test_reverse_due_sort_puts_bills_without_a_due_date_first_then_the_latest(company):
    # A bill without a due date sorts as due in the far future (selectors.SORTS, DUE_KEY).
    no_due = BillFactory(company=company, due_date=None)
    sooner = BillFactory(company=company, due_date=TODAY + timedelta(days=1))
    later = BillFactory(company=company, due_date=TODAY + timedelta(days=9))
    same_day = BillFactory(company=company, due_date=TODAY + timedelta(days=9))

    assert _ids(_inbox(company, sort="-due")) == [no_due.pk, same_day.pk, later.pk, sooner.pk]


def test_amount_sort_puts_the_largest_amount_due_first(company):
    small = BillFactory(company=company, total_amount=Decimal("9.99"))
    large = BillFactory(company=company, total_amount=Decimal("1200.00"))
    middle = BillFactory(company=company, total_amount=Decimal("100.00"))

    assert _ids(_inbox(company, sort="amount")) == [large.pk, middle.pk, small.pk]


def test_reverse_amount_sort_puts_the_smallest_amount_due_first(company):
    large = BillFactory(company=company, total_amount=Decimal("1200.00"))
    small = BillFactory(company=company, total_amount=Decimal("9.99"))
    middle = BillFactory(company=company, total_amount=Decimal("100.00"))

    assert _ids(_inbox(company, sort="-amount")) == [small.pk, middle.pk, large.pk]


def test_supplier_sort_orders_by_supplier_name(company):
    zeta = BillFactory(company=company, supplier_name="Zeta Supplies")
    alpha = BillFactory(company=company, supplier_name="Alpha Supplies")
    mid = BillFactory(company=company, supplier_name="Midway Supplies")

    assert _ids(_inbox(company, sort="supplier")) == [alpha.pk, mid.pk, zeta.pk]


def test_issue_sort_puts_the_newest_first_and_bills_without_an_issue_date_last(company):
    no_issue = BillFactory(company=company, issue_date=None)
    old = BillFactory(company=company, issue_date=TODAY - timedelta(days=30))
    new = BillFactory(company=company, issue_date=TODAY - timedelta(days=1))

    assert _ids(_inbox(company, sort="issue")) == [new.pk, old.pk, no_issue.pk]


def test_an_unknown_sort_falls_back_to_due_date(company):
    later = BillFactory(company=company, due_date=TODAY + timedelta(days=9))
    sooner = BillFactory(company=company, due_date=TODAY + timedelta(days=1))

    assert _ids(_inbox(company, sort="nonsense")) == [sooner.pk, later.pk]


# --- keyset pagination ----------------------------------------------------------------------------

AMOUNTS = [Decimal("10.00"), Decimal("25.50"), Decimal("99.99")]


def _make_bills(company, n=120):
    """n bills with many equal due dates, amounts and names, and some null due and issue dates."""
    suppliers = [SupplierFactory(company=company, name=f"Supplier {c}") for c in "EBDAC"]
    return [
        BillFactory(
            company=company,
            supplier=suppliers[i % 5],
            due_date=None if i % 8 == 0 else TODAY + timedelta(days=i % 4),
            issue_date=None if i % 9 == 0 else TODAY - timedelta(days=i % 3),
            total_amount=AMOUNTS[i % 3],
        )
        for i in range(n)
    ]


def _expected(bills, sort):
    """The order each sort promises, computed independently of the selector: ties by id."""

    def ordinal(d):
        return d.toordinal() if d else 0

    keys = {
        "due": lambda b: (b.due_date is None, ordinal(b.due_date), b.pk),
        "-due": lambda b: (b.due_date is not None, -ordinal(b.due_date), -b.pk),
        "amount": lambda b: (-b.amount_due, -b.pk),
        "-amount": lambda b: (b.amount_due, b.pk),
        "supplier": lambda b: (b.supplier_name, b.pk),
        "issue": lambda b: (b.issue_date is None, -ordinal(b.issue_date), -b.pk),
    }
    return [b.pk for b in sorted(bills, key=keys[sort])]


def _walk_forward(company, filters):
    pages, after = [], ""
    while True:
        page = bill_inbox_page(company=company, filters=filters, after=after, today=TODAY)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ends"
        after = page.next_cursor


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_walking_forward_visits_every_bill_exactly_once_in_order(company, monkeypatch, sort):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 7)
    bills = _make_bills(company)

    pages = _walk_forward(company, InboxFilter(sort=sort))

    visited = [pk for page in pages for pk in _ids(page.bills)]
    assert visited == _expected(bills, sort)
    assert len(pages) == 18  # 17 full pages of 7 and one of 1
    assert all(len(page.bills) == 7 for page in pages[:-1])


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_walking_backwards_returns_each_previous_page_exactly(company, monkeypatch, sort):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 7)
    _make_bills(company)
    filters = InboxFilter(sort=sort)
    forward = _walk_forward(company, filters)

    backward, page = [forward[-1]], forward[-1]
    while page.prev_cursor:
        page = bill_inbox_page(
            company=company, filters=filters, before=page.prev_cursor, today=TODAY
        )
        backward.append(page)

    assert [_ids(p.bills) for p in reversed(backward)] == [_ids(p.bills) for p in forward]


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_a_page_reached_backwards_links_forward_to_the_same_next_page(company, monkeypatch, sort):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 7)
    _make_bills(company, n=40)
    filters = InboxFilter(sort=sort)
    forward = _walk_forward(company, filters)
    third = bill_inbox_page(
        company=company, filters=filters, before=forward[3].prev_cursor, today=TODAY
    )

    fourth = bill_inbox_page(company=company, filters=filters, after=third.next_cursor, today=TODAY)

    assert _ids(third.bills) == _ids(forward[2].bills)
    assert _ids(fourth.bills) == _ids(forward[3].bills)


def test_keyset_walk_handles_a_page_of_only_bills_without_a_due_date(company, monkeypatch):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 3)
    dated = [BillFactory(company=company, due_date=TODAY) for _ in range(2)]
    undated = [BillFactory(company=company, due_date=None) for _ in range(7)]
    filters = InboxFilter(sort="due")

    pages = _walk_forward(company, filters)
    back = bill_inbox_page(company=company, filters=filters, before=pages[-1].prev_cursor)

    assert [_ids(p.bills) for p in pages] == [
        [dated[0].pk, dated[1].pk, undated[0].pk],
        _ids(undated[1:4]),
        _ids(undated[4:7]),
    ]
    assert _ids(back.bills) == _ids(undated[1:4])


def test_the_first_page_has_no_previous_link_and_the_last_no_next_link(company, monkeypatch):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    for _ in range(4):
        BillFactory(company=company)

    pages = _walk_forward(company, InboxFilter())

    assert len(pages) == 2
    assert pages[0].prev_cursor is None and pages[0].next_cursor
    assert pages[1].prev_cursor and pages[1].next_cursor is None


def test_walking_back_to_the_start_ends_without_a_previous_link(company, monkeypatch):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    for _ in range(4):
        BillFactory(company=company)
    second = bill_inbox_page(
        company=company,
        filters=InboxFilter(),
        after=bill_inbox_page(company=company, filters=InboxFilter()).next_cursor,
    )

    first = bill_inbox_page(company=company, filters=InboxFilter(), before=second.prev_cursor)

    assert len(first.bills) == 2
    assert first.prev_cursor is None
    assert first.next_cursor


def test_a_page_keeps_the_filter(company, monkeypatch):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    eur = [BillFactory(company=company, currency="EUR") for _ in range(3)]
    for _ in range(3):
        BillFactory(company=company, currency="USD")

    pages = _walk_forward(company, InboxFilter(currency="EUR"))

    assert [pk for page in pages for pk in _ids(page.bills)] == _ids(eur)


def _b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


MANGLED_CURSORS = [
    "garbage",
    _b64([None, 5]),
    "!!!",
    "e30",  # {}
    _b64([1, 2, 3]),
    _b64("ab"),
    _b64(["2026-01-01", "not-an-id"]),
    _b64(["not-a-date", 5]),
    _b64([["2026-01-01"], 5]),
    _b64([{"a": 1}, 5]),
    _b64([12.5, 5]),
    _b64(["2026-02-30", 5]),
]


@pytest.mark.parametrize("cursor", MANGLED_CURSORS)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_mangled_cursor_gives_the_first_page(company, monkeypatch, cursor, direction):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    bills = [BillFactory(company=company, due_date=TODAY + timedelta(days=i)) for i in range(3)]

    page = bill_inbox_page(company=company, filters=InboxFilter(), **{direction: cursor})

    assert _ids(page.bills) == _ids(bills[:2])
    assert page.prev_cursor is None


def test_a_cursor_with_a_nul_character_gives_the_first_page(company, monkeypatch):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    bills = [BillFactory(company=company, supplier_name=f"Supplier {i}") for i in range(3)]

    page = bill_inbox_page(
        company=company, filters=InboxFilter(sort="supplier"), after=_b64(["Supplier\u0000", 1])
    )

    assert _ids(page.bills) == _ids(bills[:2])


def test_a_well_formed_cursor_with_an_out_of_range_id_does_not_crash(company):
    BillFactory(company=company, due_date=TODAY)
    later = BillFactory(company=company, due_date=TODAY + timedelta(days=1))

    page = bill_inbox_page(
        company=company, filters=InboxFilter(), after=_b64([str(TODAY), 10**30]), today=TODAY
    )

    assert _ids(page.bills) == [later.pk]


@pytest.mark.parametrize("sort", ["amount", "supplier"])
def test_a_cursor_from_another_sort_gives_the_first_page(company, monkeypatch, sort):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    for i in range(3):
        BillFactory(company=company, supplier_name=f"Supplier {i}")
    foreign = bill_inbox_page(company=company, filters=InboxFilter(sort=sort)).next_cursor

    page = bill_inbox_page(company=company, filters=InboxFilter(sort="due"), after=foreign)

    assert len(page.bills) == 2
    assert page.prev_cursor is None


# --- totals ---------------------------------------------------------------------------------------


def test_totals_per_currency_are_exact_sums_over_the_whole_filter(company, monkeypatch):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 1)
    for amount in ["0.10", "0.20", "1234.5678"]:
        BillFactory(company=company, currency="USD", total_amount=Decimal(amount))
    BillFactory(
        company=company,
        currency="EUR",
        total_amount=Decimal("500.00"),
        amount_due=Decimal("199.99"),
        codat_status="PartiallyPaid",
    )
    BillFactory(company=company, currency="USD", codat_status="Paid", amount_due=Decimal("0"))

    totals = bill_totals_by_currency(company=company, filters=InboxFilter())

    assert [(t.currency, t.total_amount, t.amount_due, t.bills) for t in totals] == [
        ("EUR", Decimal("500.00"), Decimal("199.99"), 1),
        ("USD", Decimal("1234.8678"), Decimal("1234.8678"), 3),
    ]
    assert all(isinstance(t.amount_due, Decimal) for t in totals)


def test_totals_follow_the_filter(company):
    BillFactory(company=company, currency="USD", total_amount=Decimal("10.00"))
    BillFactory(company=company, currency="EUR", total_amount=Decimal("20.00"))

    totals = bill_totals_by_currency(company=company, filters=InboxFilter(currency="EUR"))

    assert [(t.currency, t.amount_due) for t in totals] == [("EUR", Decimal("20.00"))]


def test_totals_are_empty_when_nothing_matches(company):
    assert bill_totals_by_currency(company=company, filters=InboxFilter()) == []


# --- tenancy --------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", list(selectors.VIEWS))
def test_another_companys_bills_never_appear_in_the_inbox(company, other_company, view):
    BillFactory(company=other_company, codat_status="Paid", amount_due=Decimal("0"))
    BillFactory(company=other_company, due_date=TODAY - timedelta(days=1))
    BillFactory(company=other_company, due_date=TODAY + timedelta(days=1))

    assert _inbox(company, view=view) == []
    assert bill_inbox_page(company=company, filters=InboxFilter(view=view), today=TODAY).bills == []


def test_another_companys_bills_never_count_in_the_totals(company, other_company):
    BillFactory(company=other_company, total_amount=Decimal("999.00"))
    mine = BillFactory(company=company, total_amount=Decimal("1.00"))

    totals = bill_totals_by_currency(company=company, filters=InboxFilter())

    assert [(t.amount_due, t.bills) for t in totals] == [(mine.amount_due, 1)]


def test_a_cursor_cannot_reach_another_companys_bills(company, other_company, monkeypatch):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 1)
    for _ in range(3):
        BillFactory(company=other_company)
    cursor = bill_inbox_page(company=other_company, filters=InboxFilter()).next_cursor

    page = bill_inbox_page(company=company, filters=InboxFilter(), after=cursor)

    assert page.bills == []


def test_bill_get_returns_the_companys_bill_with_its_lines(company):
    bill = BillFactory(company=company)
    BillLineFactory(bill=bill, description="Copper pipe")

    fetched = bill_get(company=company, bill_id=bill.pk)

    assert fetched == bill
    assert [line.description for line in fetched.lines.all()] == ["Copper pipe"]


def test_bill_get_of_another_companys_bill_is_a_404(company, other_company):
    theirs = BillFactory(company=other_company)

    with pytest.raises(Http404):
        bill_get(company=company, bill_id=theirs.pk)


def test_bill_get_of_a_deleted_bill_is_a_404(company):
    deleted = BillFactory(company=company, is_deleted=True)

    with pytest.raises(Http404):
        bill_get(company=company, bill_id=deleted.pk)


def test_currencies_are_the_companys_distinct_currencies_in_order(company, other_company):
    for currency in ["USD", "EUR", "USD", "GBP"]:
        BillFactory(company=company, currency=currency)
    BillFactory(company=company, currency="CHF", is_deleted=True)
    BillFactory(company=other_company, currency="JPY")

    assert bill_currencies(company=company) == ["EUR", "GBP", "USD"]


def test_currencies_are_served_from_the_cache_after_the_first_read(
    company, django_assert_num_queries
):
    BillFactory(company=company, currency="EUR")
    bill_currencies(company=company)

    with django_assert_num_queries(0):
        assert bill_currencies(company=company) == ["EUR"]


# --- suppliers ------------------------------------------------------------------------------------


def test_supplier_balances_are_open_amounts_per_currency_with_every_bill_counted(company):
    acme = SupplierFactory(company=company, name="Acme")
    BillFactory(company=company, supplier=acme, currency="USD", total_amount=Decimal("100.10"))
    BillFactory(
        company=company,
        supplier=acme,
        currency="USD",
        total_amount=Decimal("80.00"),
        amount_due=Decimal("30.25"),
        codat_status="PartiallyPaid",
    )
    BillFactory(company=company, supplier=acme, currency="EUR", total_amount=Decimal("50.00"))
    BillFactory(
        company=company, supplier=acme, currency="GBP", codat_status="Paid", amount_due=Decimal("0")
    )
    BillFactory(company=company, supplier=acme, currency="USD", codat_status="Void")
    BillFactory(company=company, supplier=acme, currency="USD", is_deleted=True)

    [row] = supplier_list_with_balances(company=company)

    assert row["supplier"] == acme
    assert row["balances"] == [("EUR", Decimal("50.00")), ("USD", Decimal("130.35"))]
    assert row["bills"] == 5


def test_suppliers_without_bills_are_listed_with_no_balance(company):
    SupplierFactory(company=company, name="Quiet Ltd")

    [row] = supplier_list_with_balances(company=company)

    assert (row["supplier"].name, row["balances"], row["bills"]) == ("Quiet Ltd", [], 0)


def test_suppliers_are_listed_by_name_without_deleted_ones(company):
    SupplierFactory(company=company, name="Zed")
    SupplierFactory(company=company, name="Abe")
    SupplierFactory(company=company, name="Gone", is_deleted=True)

    rows = supplier_list_with_balances(company=company)

    assert [row["supplier"].name for row in rows] == ["Abe", "Zed"]


def test_supplier_balances_ignore_another_companys_suppliers_and_bills(company, other_company):
    mine = SupplierFactory(company=company, codat_supplier_id="sup-shared")
    theirs = SupplierFactory(company=other_company, codat_supplier_id="sup-shared")
    BillFactory(company=other_company, supplier=theirs, total_amount=Decimal("999.00"))

    rows = supplier_list_with_balances(company=company)

    assert [(row["supplier"], row["balances"], row["bills"]) for row in rows] == [(mine, [], 0)]


# --- activity -------------------------------------------------------------------------------------


def test_activity_lists_review_notes_payments_and_sync_newest_first(company, user):
    bill = BillFactory(company=company, modified_date=timezone.now() - timedelta(days=3))
    BillAllocation.objects.create(
        company=company,
        bill=bill,
        amount=Decimal("20.00"),
        currency="USD",
        allocated_on=timezone.now() - timedelta(days=2),
    )
    bill_review(bill=bill, actor=user, decision="rejected", reason="Wrong VAT")
    bill_note_add(bill=bill, actor=user, text="Called the supplier")

    items = bill_activity(company=company, bill=bill)

    assert [(item.who, item.what, item.detail) for item in items] == [
        (str(user), "added a note", "Called the supplier"),
        (str(user), "rejected the bill", "Wrong VAT"),
        ("BillPay", "synced the bill from your books", ""),
        ("Your books", "recorded a payment", "$20.00"),
        ("Your books", "last changed the bill", ""),
    ]


def test_activity_shows_a_payment_in_the_bills_currency_when_the_books_omit_it(company):
    bill = BillFactory(company=company, currency="EUR")
    BillAllocation.objects.create(
        company=company, bill=bill, amount=Decimal("1234.5"), currency="", paid_on=timezone.now()
    )

    items = bill_activity(company=company, bill=bill)

    assert [item.detail for item in items if item.what == "recorded a payment"] == ["€1,234.50"]


def test_activity_leaves_out_another_companys_events_with_the_same_ref(company, other_company):
    bill = BillFactory(company=company)
    AuditEvent.objects.create(
        company=other_company, action="bill.note", ref=f"bill:{bill.pk}", data={"text": "Not yours"}
    )

    items = bill_activity(company=company, bill=bill)

    assert "Not yours" not in [item.detail for item in items]


def test_a_page_row_holds_the_bills_own_values(company):
    """The page reads plain values (selectors.inbox.InboxBill), not model instances: each row
    says what the model says, and a bill made here is not yet payable there either."""
    in_books = BillFactory(company=company, amount_due=Decimal("12.3400"), push_error="")
    local = BillFactory(company=company, codat_bill_id="local:7", push_state="failed")
    page = bill_inbox_page(company=company, filters=InboxFilter(view="all"))
    rows = {row.pk: row for row in page.bills}
    assert set(rows) == {in_books.pk, local.pk}
    for bill in (in_books, local):
        bill.refresh_from_db()
        row = rows[bill.pk]
        for column in selectors.inbox.INBOX_COLUMNS:
            if column != "sort_key":
                assert getattr(row, column) == getattr(bill, column), column
        assert row.is_in_books is bill.is_in_books
    assert rows[local.pk].is_in_books is False
