"""The overview's bills snapshot is cached under the company's bills revision: a page view with
nothing changed skips the aggregate over every bill, and any change to the bills (or to the
approval rule) shows on the very next view."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billpay.bills.models import Bill
from billpay.bills.services import bill_review, bills_approve
from billpay.insights.forecast import account_forecast, company_forecasts
from billpay.insights.selectors import dashboard_get
from billpay.payments.models import PaymentSettings
from billpay.payments.services import payment_settings_save
from billpay.sandbox.store.cache import sync_records
from billpay.sandbox.store.ledger import ledger_get, ledger_put
from tests.conftest import _logged_in, sync_books
from tests.factories import (
    AccountMappingFactory,
    BillFactory,
    LedgerAccountFactory,
    MembershipFactory,
    PaymentAllocationFactory,
    PaymentFactory,
)

D = Decimal
URL = reverse("insights:dashboard")


def _usd(response):
    return next(c for c in response.context["board"].currencies if c.currency == "USD")


def _usd_board(board):
    return next(c for c in board.currencies if c.currency == "USD")


def _bill_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "bills_bill"' in q["sql"]]


@pytest.fixture
def waiting_bill(company):
    """A bill over the approval rule's threshold: it waits for approval."""
    PaymentSettings.objects.create(company=company, approval_threshold=D("100.00"))
    BillFactory(company=company, total_amount=D("40.00"))
    return BillFactory(company=company, total_amount=D("150.00"))


def test_a_second_view_with_nothing_changed_skips_the_bills_aggregate(
    client_member, company, django_assert_max_num_queries
):
    account = LedgerAccountFactory(company=company)
    AccountMappingFactory(company=company, currency="USD", account=account)
    BillFactory.create_batch(3, company=company)
    PaymentFactory(company=company, account=account, status="failed")

    with CaptureQueriesContext(connection) as cold:
        first = client_member.get(URL)
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as warm:
        second = client_member.get(URL)

    assert len(_bill_queries(cold)) == 1 and _bill_queries(warm) == []
    assert len(warm) == len(cold) - 1
    assert second.context["board"].currencies == first.context["board"].currencies


@pytest.mark.parametrize("how", ["one", "bulk"])
def test_a_bill_approved_leaves_waiting_on_the_next_view(
    client_member, company, user, waiting_bill, django_capture_on_commit_callbacks, how
):
    assert (
        _usd(client_member.get(URL)).waiting.count,
        _usd(client_member.get(URL)).total.count,
    ) == (
        1,
        2,
    )

    with django_capture_on_commit_callbacks(execute=True):
        if how == "one":
            bill_review(bill=waiting_bill, actor=user, decision=Bill.Review.APPROVED)
        else:
            bills_approve(company=company, actor=user, bills=[waiting_bill])

    usd = _usd(client_member.get(URL))
    assert (usd.waiting.count, usd.waiting.amount) == (0, D("0"))
    assert (usd.total.count, usd.total.amount) == (2, D("190.00"))


def test_a_new_approval_threshold_shows_at_once(client_member, company, user, waiting_bill):
    assert _usd(client_member.get(URL)).waiting.count == 1

    payment_settings_save(company=company, actor=user, approval_threshold=D("200.00"))

    assert _usd(client_member.get(URL)).waiting.count == 0
    payment_settings_save(company=company, actor=user, approval_threshold=D("30.00"))
    usd = _usd(client_member.get(URL))
    assert (usd.waiting.count, usd.waiting.amount) == (2, D("190.00"))


def test_a_write_that_forgot_to_bump_is_stale_only_until_the_cache_expires(
    client_member, company, monkeypatch
):
    monkeypatch.setattr("billpay.insights.forecast.snapshot.GROUPS_CACHE_SECONDS", 1)
    BillFactory(company=company, total_amount=D("10.00"))
    assert _usd(client_member.get(URL)).total.count == 1

    BillFactory(company=company, total_amount=D("5.00"))  # no service: nothing bumps

    assert _usd(client_member.get(URL)).total.count == 1  # the cached snapshot
    time.sleep(1.5)
    assert _usd(client_member.get(URL)).total.amount == D("15.00")


def test_a_change_to_one_companys_bills_leaves_anothers_snapshot_cached(
    client_member, company, user, other_company, django_capture_on_commit_callbacks
):
    ours = BillFactory(company=company, total_amount=D("10.00"))
    BillFactory(company=other_company, total_amount=D("99.00"))
    theirs = _logged_in(other_company.memberships.get().user, other_company)
    assert _usd(client_member.get(URL)).total.amount == D("10.00")
    assert _usd(theirs.get(URL)).total.amount == D("99.00")

    with django_capture_on_commit_callbacks(execute=True):
        bill_review(bill=ours, actor=user, decision=Bill.Review.REJECTED, reason="Not ours")
    with CaptureQueriesContext(connection) as queries:
        response = theirs.get(URL)

    assert _usd(response).total.amount == D("99.00")
    assert _bill_queries(queries) == []  # still their cached snapshot
    assert _usd(client_member.get(URL)).total.amount == D("10.00")  # aging counts rejected too


def test_a_forecast_that_leaves_bills_out_is_counted_afresh(company):
    account = LedgerAccountFactory(company=company, current_balance=D("1000.00"))
    AccountMappingFactory(company=company, currency="USD", account=account)
    today = timezone.localdate()
    BillFactory(company=company, total_amount=D("100.00"), due_date=today + timedelta(days=2))
    assert company_forecasts(company=company).forecasts[0].total_outflow == D("100.00")
    later = BillFactory(company=company, total_amount=D("7.00"), due_date=today)
    left_out = BillFactory(company=company, total_amount=D("50.00"), due_date=today)

    # Without exclusions, one account's forecast shares the company's cached groups…
    assert account_forecast(company, account).total_outflow == D("100.00")
    # …a pay run's, which leaves its own bills out, is counted from the bills as they are.
    forecast = account_forecast(company, account, exclude_bill_ids=[left_out.pk])
    assert forecast.total_outflow == D("107.00")
    assert later.pk != left_out.pk


@pytest.mark.django_db(transaction=True)
def test_a_bill_paid_in_the_books_leaves_the_overview_after_the_next_sync(linked_company):
    sync_books(linked_company)
    owner = MembershipFactory(company=linked_company, user__email="owner2@example.com").user
    client = _logged_in(owner, linked_company)
    before = {c.currency: c.total for c in client.get(URL).context["board"].currencies}
    bill = Bill.objects.filter(
        company=linked_company, codat_status="Open", is_deleted=False, amount_due__gt=0
    ).first()
    books = linked_company.seeded.company
    paid = ledger_get(books, "bills", bill.codat_bill_id) | {"amountDue": 0, "status": "Paid"}
    ledger_put(books, "bills", bill.codat_bill_id, paid)
    sync_records(books, "bills")

    sync_books(linked_company)

    after = {c.currency: c.total for c in client.get(URL).context["board"].currencies}
    assert after[bill.currency].count == before[bill.currency].count - 1
    assert after[bill.currency].amount == before[bill.currency].amount - bill.amount_due


def test_bills_over_ninety_days_overdue_are_one_group_counted_as_before(company):
    account = LedgerAccountFactory(company=company, current_balance=D("1000.00"))
    AccountMappingFactory(company=company, currency="USD", account=account)
    today = timezone.localdate()
    for days, amount in [(90, "1.00"), (91, "10.00"), (150, "20.00"), (400, "30.00")]:
        oldest = BillFactory(
            company=company, due_date=today - timedelta(days=days), total_amount=D(amount)
        )
    payment = PaymentFactory(company=company, account=account, payment_date=today)
    PaymentAllocationFactory(payment=payment, bill=oldest, amount=D("5.00"))

    result = company_forecasts(company=company)
    board = dashboard_get(company=company)

    assert sorted((g.due_date, g.count, g.amount) for g in result.snapshot.groups) == [
        (today - timedelta(days=91), 3, D("60.00")),
        (today - timedelta(days=90), 1, D("1.00")),
    ]
    aging = {b.key: (b.figure.count, b.figure.amount) for b in _usd_board(board).aging}
    assert aging["61_90"] == (1, D("1.00")) and aging["over_90"] == (3, D("60.00"))
    [overdue] = [e for e in result.forecasts[0].days[0].entries if e.kind == "overdue"]
    assert (overdue.count, overdue.amount) == (4, D("56.00"))  # $5.00 is being paid


def test_bills_due_past_every_horizon_are_one_group_counted_as_before(company):
    account = LedgerAccountFactory(company=company, current_balance=D("1000.00"))
    AccountMappingFactory(company=company, currency="USD", account=account)
    today = timezone.localdate()
    for days, amount in [(90, "1.00"), (91, "10.00"), (200, "20.00"), (700, "30.00")]:
        BillFactory(company=company, due_date=today + timedelta(days=days), total_amount=D(amount))

    result = company_forecasts(company=company, horizon_days=90)
    board = dashboard_get(company=company)

    assert sorted((g.due_date, g.count, g.amount) for g in result.snapshot.groups) == [
        (today + timedelta(days=90), 1, D("1.00")),
        (today + timedelta(days=91), 3, D("60.00")),
    ]
    usd = _usd_board(board)
    assert (usd.total.count, usd.total.amount) == (4, D("61.00"))
    aging = {b.key: (b.figure.count, b.figure.amount) for b in usd.aging}
    assert aging["current"] == (4, D("61.00"))
    # The 90-day forecast (today and the 89 days after) counts none of them.
    assert result.forecasts[0].total_outflow == D("0.00")
    assert result.forecasts[0].closing_balance == D("1000.00")
