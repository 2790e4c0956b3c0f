"""The cash forecast's arithmetic: balance − payments in flight − unpaid bills, day by day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from billpay.bills.services import bills_changed
from billpay.insights.forecast import account_forecast, company_forecasts
from billpay.payments.models import PaymentSettings
from tests.factories import (
    AccountMappingFactory,
    BillFactory,
    LedgerAccountFactory,
    PaymentAllocationFactory,
    PaymentFactory,
)

TODAY = date(2025, 3, 10)
D = Decimal


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.fixture
def account(company):
    """The USD bank account bank transfers are paid from, with 1,000.00 in the books."""
    account = LedgerAccountFactory(company=company, current_balance=D("1000.00"))
    AccountMappingFactory(company=company, currency="USD", account=account)
    return account


def bill(company, offset: int | None, amount: str, **fields):
    due = None if offset is None else day(offset)
    return BillFactory(company=company, due_date=due, total_amount=D(amount), **fields)


def balances(forecast) -> dict[date, Decimal]:
    return {d.date: d.balance for d in forecast.days}


def test_the_balance_drops_by_payments_and_bills_on_their_dates_and_overdue_bills_count_today(
    company, account
):
    bill(company, -5, "100.00")  # overdue: today
    bill(company, 3, "300.00")
    PaymentFactory(company=company, account=account, total_amount=D("200.00"), payment_date=day(5))

    forecast = account_forecast(company, account, today=TODAY)

    assert forecast.opening_balance == D("1000.00")
    assert len(forecast.days) == 30 and forecast.days[0].date == TODAY
    assert balances(forecast)[day(0)] == D("900.00")
    assert balances(forecast)[day(3)] == D("600.00")
    assert balances(forecast)[day(5)] == D("400.00")
    assert forecast.closing_balance == D("400.00")
    assert forecast.lowest_balance == D("400.00") and forecast.lowest_day.date == day(5)
    assert forecast.first_below_zero is None
    assert forecast.days[0].describe == "1 overdue bill ($100.00)"
    assert forecast.days[5].describe == "1 payment going out ($200.00)"
    assert [d.date for d in forecast.moving_days] == [day(0), day(3), day(5)]


def test_a_balance_that_goes_below_zero_says_when_and_for_how_long(company, account):
    account.current_balance = D("500.00")
    account.save()
    bill(company, 10, "499.99")
    bill(company, 20, "0.02")

    forecast = account_forecast(company, account, today=TODAY)

    assert forecast.first_below_zero == day(20)
    assert forecast.days_below_zero == 10
    assert forecast.lowest_balance == D("-0.01")
    assert forecast.days[20].below_zero and not forecast.days[19].below_zero


def test_planned_outflows_count_and_the_bills_they_pay_do_not_count_twice(company, account):
    paid_by_run = bill(company, 3, "300.00")
    bill(company, 4, "50.00")

    forecast = account_forecast(
        company,
        account,
        planned=[(day(2), D("250.00")), (day(-1), D("10.00"))],  # a past date counts today
        exclude_bill_ids=[paid_by_run.pk],
        today=TODAY,
    )

    assert balances(forecast)[day(0)] == D("990.00")
    assert balances(forecast)[day(2)] == D("740.00")
    assert balances(forecast)[day(3)] == D("740.00")
    assert balances(forecast)[day(4)] == D("690.00")
    assert forecast.days[2].describe == "1 planned payment ($250.00)"


def test_bills_waiting_for_approval_count_only_when_asked(company, account):
    PaymentSettings.objects.create(company=company, approval_threshold=D("500.00"))
    bill(company, 1, "600.00")  # over the threshold, not approved: waiting
    bill(company, 1, "100.00")  # under it: no approval needed
    bill(company, 1, "700.00", review_status="approved")
    bill(company, 1, "900.00", currency="EUR")  # another currency: not this account's

    with_them = account_forecast(company, account, today=TODAY)
    without = account_forecast(company, account, include_unapproved=False, today=TODAY)

    assert with_them.days[1].outflow == D("1400.00")
    assert with_them.left_out is None
    assert without.days[1].outflow == D("800.00")
    assert (without.left_out.count, without.left_out.amount) == (1, D("600.00"))


def test_rejected_bills_and_bills_beyond_the_horizon_never_count(company, account):
    bill(company, 1, "100.00", review_status="rejected")
    bill(company, 30, "200.00")  # day 31 of a 30-day forecast (today is day 1)

    thirty = account_forecast(company, account, today=TODAY)
    sixty = account_forecast(company, account, horizon_days=60, today=TODAY)

    assert thirty.total_outflow == 0
    assert len(sixty.days) == 60 and sixty.total_outflow == D("200.00")


def test_without_a_balance_in_the_books_the_forecast_invents_none(company, account):
    account.current_balance = None
    account.save()
    bill(company, 2, "80.00")

    forecast = account_forecast(company, account, today=TODAY)

    assert forecast.opening_balance is None
    assert all(d.balance is None for d in forecast.days)
    assert forecast.lowest_balance is None and forecast.first_below_zero is None
    assert forecast.chart is None
    assert forecast.total_outflow == D("80.00")


def test_a_bill_counts_for_what_is_left_once_payments_in_flight_are_counted(company, account):
    partly = bill(company, 3, "300.00")
    whole = bill(company, 4, "40.00")
    scheduled = PaymentFactory(
        company=company, account=account, total_amount=D("100.00"), payment_date=day(1)
    )
    PaymentAllocationFactory(payment=scheduled, bill=partly)
    recorded = PaymentFactory(
        company=company,
        account=account,
        total_amount=D("40.00"),
        status="pending",
        payment_date=day(-2),
    )
    PaymentAllocationFactory(payment=recorded, bill=whole)
    verified = PaymentFactory(company=company, account=account, status="verified")
    PaymentAllocationFactory(payment=verified, bill=bill(company, 6, "5.00"))

    forecast = account_forecast(company, account, today=TODAY)

    assert forecast.days[0].outflow == D("40.00")  # recorded, not yet in the mirrored books
    assert forecast.days[1].outflow == D("100.00")
    assert forecast.days[3].outflow == D("200.00")
    assert forecast.days[3].describe == "1 bill due ($200.00)"
    assert forecast.days[4].outflow == 0  # wholly paid by the recorded payment
    assert forecast.days[6].outflow == D("5.00")  # a verified payment is in the books already
    assert forecast.total_outflow == D("345.00")


def test_bills_count_against_the_bank_transfer_account_of_their_currency(company, account):
    checks = LedgerAccountFactory(company=company, current_balance=D("10.00"))
    AccountMappingFactory(company=company, method="check", currency="USD", account=checks)
    card = LedgerAccountFactory(company=company, currency="EUR", account_type="Liability")
    AccountMappingFactory(company=company, method="card", currency="EUR", account=card)
    bill(company, 1, "70.00")
    bill(company, 1, "30.00", currency="EUR")
    PaymentFactory(company=company, account=checks, total_amount=D("4.00"), payment_date=day(2))

    result = company_forecasts(company=company, today=TODAY)

    by_account = {f.account.pk: f for f in result.forecasts}
    assert set(by_account) == {account.pk, checks.pk}  # a card is not cash
    assert by_account[account.pk].total_outflow == D("70.00")
    assert by_account[account.pk].bill_currencies == ("USD",)
    assert by_account[checks.pk].total_outflow == D("4.00")
    assert by_account[checks.pk].bill_currencies == ()
    [(currency, entry)] = result.unattributed
    assert (currency, entry.count, entry.amount) == ("EUR", 1, D("30.00"))


def test_bills_without_a_due_date_are_owed_but_on_no_day(company, account):
    bill(company, None, "25.00")

    forecast = account_forecast(company, account, today=TODAY)

    assert forecast.total_outflow == 0
    assert (forecast.undated.count, forecast.undated.amount) == (1, D("25.00"))


def test_another_companys_account_bills_and_payments_never_count(company, account, other_company):
    theirs = LedgerAccountFactory(company=other_company)
    AccountMappingFactory(company=other_company, currency="USD", account=theirs)
    bill(other_company, 1, "999.00")
    PaymentFactory(company=other_company, account=theirs, total_amount=D("7.00"))

    mine = company_forecasts(company=company, today=TODAY)

    assert [f.account.pk for f in mine.forecasts] == [account.pk]
    assert mine.forecasts[0].total_outflow == 0
    with pytest.raises(Http404):
        account_forecast(company, theirs, today=TODAY)


def test_the_bulk_forecast_agrees_with_each_accounts_own(company, account):
    eur = LedgerAccountFactory(company=company, currency="EUR", current_balance=D("50.00"))
    AccountMappingFactory(company=company, currency="EUR", account=eur)
    for offset, amount in ((-3, "10.00"), (0, "20.00"), (8, "30.00")):
        bill(company, offset, amount)
        bill(company, offset, amount, currency="EUR")
    PaymentFactory(company=company, account=eur, total_amount=D("1.50"), payment_date=day(9))

    bulk = company_forecasts(company=company, today=TODAY, horizon_days=60)

    for forecast in bulk.forecasts:
        alone = account_forecast(company, forecast.account, horizon_days=60, today=TODAY)
        assert balances(alone) == balances(forecast)


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_the_forecasts_cost_the_same_queries_for_one_bill_or_many(
    company, account, django_capture_on_commit_callbacks
):
    bill(company, 1, "1.00")
    one = _queries(lambda: company_forecasts(company=company, today=TODAY))
    single = _queries(lambda: account_forecast(company, account, today=TODAY))
    for n in range(3):
        extra = LedgerAccountFactory(company=company, currency=f"X{n}A")
        AccountMappingFactory(company=company, currency=f"X{n}A", account=extra)
        paid = bill(company, n - 2, "5.00", currency=f"X{n}A")
        payment = PaymentFactory(company=company, account=extra, payment_date=day(n))
        PaymentAllocationFactory(payment=payment, bill=paid, amount=D("1.00"))
        bill(company, n + 4, "2.00")
    with django_capture_on_commit_callbacks(execute=True):
        bills_changed(company_id=company.pk)  # as the services that write bills do: both cold

    many = _queries(lambda: company_forecasts(company=company, today=TODAY))
    warm = _queries(lambda: company_forecasts(company=company, today=TODAY))

    assert one == many <= 5
    assert single <= 5
    assert warm == many - 1  # the bills' groups come from the cache
