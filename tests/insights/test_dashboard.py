"""The overview: AP aging per currency, what is due, approvals, payments that need someone, cash."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billpay.bills.models import Bill
from billpay.bills.services import bills_changed
from billpay.insights.selectors import aging_bucket, dashboard_get
from billpay.payments.models import PaymentSettings
from billpay.payments.selectors import bill_needs_approval
from tests.factories import (
    AccountingConnectionFactory,
    AccountMappingFactory,
    BillFactory,
    LedgerAccountFactory,
    PaymentFactory,
)

TODAY = date(2025, 3, 10)
D = Decimal
URL = reverse("insights:dashboard")

EDGES = [
    (0, "current"),  # due today is not overdue
    (1, "1_30"),
    (30, "1_30"),
    (31, "31_60"),
    (60, "31_60"),
    (61, "61_90"),
    (90, "61_90"),
    (91, "over_90"),
]


@pytest.mark.parametrize(("days_overdue", "bucket"), EDGES)
def test_aging_bucket_edges(days_overdue, bucket):
    assert aging_bucket(due_date=TODAY - timedelta(days=days_overdue), today=TODAY) == bucket


def _board(board, currency):
    return next(c for c in board.currencies if c.currency == currency)


def test_aging_counts_and_sums_each_currency_on_its_own(company):
    for days_overdue, _bucket in EDGES:
        due = TODAY - timedelta(days=days_overdue)
        BillFactory(company=company, due_date=due, total_amount=D("10.00"))
        BillFactory(company=company, due_date=due, total_amount=D("1.25"), currency="EUR")
    BillFactory(company=company, due_date=TODAY + timedelta(days=3), total_amount=D("5.00"))
    BillFactory(company=company, due_date=None, total_amount=D("7.00"))
    BillFactory(company=company, due_date=TODAY, amount_due=0, codat_status="Paid")
    BillFactory(company=company, due_date=TODAY, codat_status="Void")

    board = dashboard_get(company=company, today=TODAY)

    assert [c.currency for c in board.currencies] == ["USD", "EUR"]  # base currency first
    usd = {b.key: (b.figure.count, b.figure.amount) for b in _board(board, "USD").aging}
    assert usd == {
        "current": (3, D("22.00")),  # due today, in 3 days, and no due date
        "1_30": (2, D("20.00")),
        "31_60": (2, D("20.00")),
        "61_90": (2, D("20.00")),
        "over_90": (1, D("10.00")),
    }
    eur = {b.key: (b.figure.count, b.figure.amount) for b in _board(board, "EUR").aging}
    assert eur == {
        "current": (1, D("1.25")),
        "1_30": (2, D("2.50")),
        "31_60": (2, D("2.50")),
        "61_90": (2, D("2.50")),
        "over_90": (1, D("1.25")),
    }
    usd_board = _board(board, "USD")
    assert (usd_board.total.count, usd_board.total.amount) == (10, D("92.00"))
    assert (usd_board.overdue.count, usd_board.overdue.amount) == (7, D("70.00"))
    assert (usd_board.undated.count, usd_board.undated.amount) == (1, D("7.00"))


def test_due_in_the_next_seven_days_matches_the_inbox_view_and_the_week_after_follows(company):
    for offset in (-1, 0, 7, 8, 14, 15):
        BillFactory(
            company=company, due_date=TODAY + timedelta(days=offset), total_amount=D(offset + 20)
        )

    usd = _board(dashboard_get(company=company, today=TODAY), "USD")

    assert (usd.due_soon.count, usd.due_soon.amount) == (2, D("47"))  # today and day 7
    assert (usd.due_after.count, usd.due_after.amount) == (2, D("62"))  # days 8 and 14


def test_waiting_for_approval_follows_the_approval_rule_of_payments(company):
    PaymentSettings.objects.create(company=company, approval_threshold=D("100.00"))
    bills = [
        BillFactory(company=company, total_amount=D("150.00")),
        BillFactory(company=company, total_amount=D("100.00")),
        BillFactory(company=company, total_amount=D("150.00"), review_status="approved"),
        BillFactory(company=company, total_amount=D("150.00"), review_status="rejected"),
        BillFactory(company=company, total_amount=D("5.00"), currency="EUR"),
    ]
    expected = [
        b
        for b in bills
        if b.review_status != Bill.Review.REJECTED
        and bill_needs_approval(company=company, bill=b, threshold=D("100.00"))
    ]

    board = dashboard_get(company=company, today=TODAY)

    waiting = {c.currency: (c.waiting.count, c.waiting.amount) for c in board.currencies}
    assert len(expected) == 2
    assert waiting == {"USD": (1, D("150.00")), "EUR": (1, D("5.00"))}
    assert board.has_approval_rule


def test_without_an_approval_rule_nothing_waits(company):
    BillFactory(company=company, total_amount=D("9999.00"))

    board = dashboard_get(company=company, today=TODAY)

    assert not board.has_approval_rule
    assert board.currencies[0].waiting.count == 0


def test_failed_and_held_payments_are_counted_and_named(company):
    failed = PaymentFactory(company=company, status="failed", total_amount=D("12.00"))
    PaymentFactory(company=company, status="on_hold", total_amount=D("3.00"))
    PaymentFactory(company=company, status="on_hold", total_amount=D("4.00"))
    PaymentFactory(company=company, status="verified")

    board = dashboard_get(company=company, today=TODAY)

    totals = {(a.status, a.currency): (a.figure.count, a.figure.amount) for a in board.attention}
    assert totals == {("failed", "USD"): (1, D("12.00")), ("on_hold", "USD"): (2, D("7.00"))}
    assert failed in board.attention_recent and len(board.attention_recent) == 3


def test_the_cash_position_sets_each_bank_account_against_what_leaves_it(company):
    account = LedgerAccountFactory(company=company, current_balance=D("100.00"))
    AccountMappingFactory(company=company, currency="USD", account=account)
    BillFactory(company=company, due_date=TODAY - timedelta(days=2), total_amount=D("60.00"))
    BillFactory(company=company, due_date=TODAY + timedelta(days=40), total_amount=D("1.00"))
    PaymentFactory(company=company, account=account, total_amount=D("50.00"), payment_date=TODAY)

    [row] = dashboard_get(company=company, today=TODAY).cash

    assert row.forecast.opening_balance == D("100.00")
    assert (row.payments, row.bills) == (D("50.00"), D("60.00"))
    assert row.forecast.closing_balance == D("-10.00")
    assert row.forecast.first_below_zero == TODAY


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def board_data(company):
    account = LedgerAccountFactory(company=company, name="Main Checking")
    AccountMappingFactory(company=company, currency="USD", account=account)
    BillFactory(company=company, due_date=TODAY - timedelta(days=45), total_amount=D("80.00"))
    PaymentFactory(company=company, account=account, status="failed")
    return account


@pytest.mark.parametrize("who", ["client_member", "client_accountant"])
def test_an_owner_and_an_accountant_both_see_the_overview(request, who, board_data):
    client = request.getfixturevalue(who)

    response = client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "What you owe in USD" in content
    assert "Main Checking" in content
    assert "31–60 days overdue" in content


def test_every_figure_links_to_its_filtered_list(client_member, board_data):
    content = client_member.get(URL).content.decode()

    assert f"{reverse('bills:inbox')}?view=overdue&amp;currency=USD" in content
    assert f"{reverse('bills:inbox')}?view=due_7&amp;currency=USD" in content
    assert f"{reverse('payments:payment-list')}?status=failed" in content
    assert f"{reverse('insights:forecast')}?account={board_data.pk}" in content


def test_the_charts_have_a_table_for_screen_readers(client_member, board_data):
    content = client_member.get(URL).content.decode()

    assert '<svg class="chart-svg" viewBox="0 0 320 130" aria-hidden="true"' in content
    assert '<caption class="visually-hidden">Aging of unpaid bills in USD</caption>' in content


def test_another_companys_bills_and_accounts_stay_out(client_member, company, other_company):
    theirs = LedgerAccountFactory(company=other_company, name="Their Secret Account")
    AccountMappingFactory(company=other_company, currency="USD", account=theirs)
    BillFactory(company=other_company, total_amount=D("31337.00"), currency="JPY")

    content = client_member.get(URL).content.decode()

    assert "Their Secret Account" not in content
    assert "JPY" not in content
    assert "Nothing to show yet" in content


def test_the_overview_costs_the_same_queries_for_one_bill_or_thousands(
    client_member, company, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    account = LedgerAccountFactory(company=company)
    AccountMappingFactory(company=company, currency="USD", account=account)
    BillFactory(company=company)
    with CaptureQueriesContext(connection) as one:
        client_member.get(URL)
    for n in range(4):
        extra = LedgerAccountFactory(company=company, currency=f"Q{n}Q")
        AccountMappingFactory(company=company, currency=f"Q{n}Q", account=extra)
        PaymentFactory(company=company, account=extra, status="failed")
        PaymentFactory(company=company, account=extra, status="scheduled")
    BillFactory.create_batch(40, company=company, due_date=TODAY - timedelta(days=70))
    with django_capture_on_commit_callbacks(execute=True):
        bills_changed(company_id=company.pk)  # as the services that write bills do: both cold

    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as many:
        assert client_member.get(URL).status_code == 200

    assert len(one) == len(many)


def test_the_overview_answers_get_only(client_member):
    assert client_member.post(URL).status_code == 405


def test_an_owner_with_connected_books_lands_on_the_overview(client_member, company):
    AccountingConnectionFactory(company=company)

    assert client_member.get(reverse("onboarding:home")).url == URL


def test_an_accountant_and_an_owner_not_yet_connected_land_on_the_inbox(
    client_member, client_accountant, company
):
    assert client_member.get(reverse("onboarding:home")).url == reverse("bills:inbox")
    AccountingConnectionFactory(company=company)
    assert client_accountant.get(reverse("onboarding:home")).url == reverse("bills:inbox")
