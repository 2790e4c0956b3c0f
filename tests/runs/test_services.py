"""Pay run services with factories: grouping, amounts, the cash check, approval, confirm."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from billpay.core.models import AuditEvent
from billpay.payments.errors import ApprovalRequired, NotAllowed
from billpay.payments.models import Payment, PaymentSettings
from billpay.runs.errors import OverdrawNotConfirmed, RunChanged, RunInvalid
from billpay.runs.models import PayRun
from billpay.runs.services import (
    run_approve,
    run_cancel,
    run_cash,
    run_confirm,
    run_create,
    run_set_amount,
    run_set_date,
    run_shortfalls,
)
from tests.factories import AccountMappingFactory, BillFactory, SupplierFactory
from tests.runs.conftest import amounts

pytestmark = pytest.mark.django_db
R = PayRun.Status


def _create(company, actor, bills, **kwargs):
    return run_create(company=company, actor=actor, bill_ids=[b.pk for b in bills], **kwargs)


def _confirm(company, actor, run, **kwargs):
    run.refresh_from_db()
    return run_confirm(
        company=company, actor=actor, run_id=run.pk, form_token=run.form_token, **kwargs
    )


# --- grouping ---------------------------------------------------------------------------------------


def test_six_bills_of_three_suppliers_are_three_groups_paid_from_the_mapped_account(
    company, user, suppliers_bills
):
    run = _create(company, user, suppliers_bills)

    groups = list(run.groups.order_by("supplier_name"))
    assert [g.supplier_name for g in groups] == ["Acme Paper", "Blue Freight", "Cobalt Power"]
    assert all(g.account_id == company.mapping.account_id for g in groups)
    assert [g.total for g in groups] == [Decimal("240.0000")] * 3
    assert (run.bill_count, run.group_count, run.status) == (6, 3, R.DRAFT)
    assert AuditEvent.objects.filter(action="run.created", ref=f"run:{run.pk}").exists()


def test_one_supplier_in_two_currencies_is_two_groups_each_with_its_own_account(company, user):
    usd = AccountMappingFactory(company=company, currency="USD")
    eur = AccountMappingFactory(company=company, currency="EUR")
    supplier = SupplierFactory(company=company)
    bills = [
        BillFactory(company=company, supplier=supplier),
        BillFactory(company=company, supplier=supplier, currency="EUR"),
    ]

    run = _create(company, user, bills)

    accounts = dict(run.groups.values_list("currency", "account_id"))
    assert accounts == {"USD": usd.account_id, "EUR": eur.account_id}


def test_a_currency_without_an_account_is_a_group_that_says_so_and_blocks_confirm(
    company, user, suppliers_bills
):
    gbp = BillFactory(company=company, currency="GBP")
    run = _create(company, user, [*suppliers_bills, gbp])

    group = run.groups.get(currency="GBP")
    assert group.account_id is None
    with pytest.raises(RunInvalid, match="No account is set up to pay GBP bills"):
        _confirm(company, user, run)
    run.refresh_from_db()
    assert run.status == R.DRAFT and not Payment.objects.exists()


def test_bills_that_cannot_be_paid_are_left_out_with_the_reason(company, user, suppliers_bills):
    paid = BillFactory(company=company, amount_due=Decimal("0"), codat_status="Paid")

    run = _create(company, user, [*suppliers_bills, paid])

    assert run.bill_count == 6
    [left] = run.left_out
    assert left["bill"] == paid.pk and "already paid" in left["reason"]


def test_a_bill_of_another_company_is_refused(company, user, other_company, suppliers_bills):
    theirs = BillFactory(company=other_company)

    with pytest.raises(RunInvalid):
        _create(company, user, [*suppliers_bills, theirs])

    assert not PayRun.objects.exists()


# --- amounts and date ---------------------------------------------------------------------------------


def test_a_partial_amount_changes_the_group_total_exactly(company, user, suppliers_bills):
    run = _create(company, user, suppliers_bills)
    bill = suppliers_bills[0]

    run_set_amount(
        company=company, actor=user, run_id=run.pk, bill_id=bill.pk, amount=Decimal("0.10")
    )

    assert amounts(run)[bill.pk] == Decimal("0.10")
    assert run.groups.get(codat_supplier_id=bill.codat_supplier_id).total == Decimal("120.10")


@pytest.mark.parametrize("amount", ["0", "-1", "120.01", "1.001"])
def test_an_amount_of_zero_above_what_is_due_or_with_too_many_decimals_is_refused(
    company, user, suppliers_bills, amount
):
    run = _create(company, user, suppliers_bills)
    bill = suppliers_bills[0]

    with pytest.raises(RunInvalid):
        run_set_amount(
            company=company, actor=user, run_id=run.pk, bill_id=bill.pk, amount=Decimal(amount)
        )

    assert amounts(run)[bill.pk] == Decimal("120.00")


def test_the_amount_left_is_what_other_payments_do_not_already_reserve(
    company, user, suppliers_bills
):
    bill = suppliers_bills[0]
    first = _create(company, user, [bill])
    first = _confirm(company, user, first)  # 120.00 now on its way
    assert first.status == R.SENDING

    with pytest.raises(RunInvalid, match="already on its way"):
        _create(company, user, [bill])


def test_a_date_before_today_is_refused(company, user, suppliers_bills):
    run = _create(company, user, suppliers_bills)

    with pytest.raises(RunInvalid, match="today or a later date"):
        run_set_date(
            company=company,
            actor=user,
            run_id=run.pk,
            payment_date=timezone.localdate() - timedelta(days=1),
        )


# --- the cash check -----------------------------------------------------------------------------------


def test_a_run_that_would_overdraw_its_account_needs_an_explicit_yes(
    company, user, suppliers_bills
):
    account = company.mapping.account
    account.current_balance = Decimal("700.00")  # the run pays 720.00
    account.save()
    run = _create(company, user, suppliers_bills)

    [short] = run_shortfalls(company, run)
    assert (short.balance_before, short.run_total, short.after) == (
        Decimal("700.00"),
        Decimal("720.0000"),
        Decimal("-20.0000"),
    )
    assert short.overdraws
    with pytest.raises(OverdrawNotConfirmed, match="overdraw"):
        _confirm(company, user, run)
    run.refresh_from_db()
    assert run.status == R.DRAFT

    run = _confirm(company, user, run, confirm_overdraw=True)

    assert run.status == R.SENDING and run.overdraw_confirmed


def test_payments_already_on_their_way_from_the_account_count_against_the_balance(
    company, user, suppliers_bills
):
    account = company.mapping.account
    account.current_balance = Decimal("500.00")
    account.save()
    _confirm(company, user, _create(company, user, suppliers_bills[:2]))  # 240.00 on its way

    run = _create(company, user, suppliers_bills[2:])  # 480.00

    [short] = run_shortfalls(company, run)
    assert (short.balance_before, short.after) == (Decimal("260.0000"), Decimal("-220.0000"))


def test_an_account_with_no_balance_cannot_be_checked_and_is_no_overdraw(
    company, user, suppliers_bills
):
    account = company.mapping.account
    account.current_balance = None
    account.save()
    run = _create(company, user, suppliers_bills)

    [row] = run_shortfalls(company, run)

    assert row.unknown and not row.overdraws
    assert _confirm(company, user, run).status == R.SENDING


def test_bills_due_after_the_run_are_a_warning_from_the_forecast_not_a_block(
    company, user, suppliers_bills
):
    """The run leaves 280.00; a 500.00 bill not in the run, due in 10 days, would take the
    account to -220.00 then: said on the review page, but the run may go without a "yes"."""
    account = company.mapping.account
    account.current_balance = Decimal("1000.00")
    account.save()
    later = timezone.localdate() + timedelta(days=10)
    BillFactory(company=company, total_amount=Decimal("500.00"), due_date=later)
    run = _create(company, user, suppliers_bills)  # six bills due in 14 days: 720.00 today

    [row] = run_cash(company, run)

    assert (row.after, row.lowest, row.lowest_date) == (
        Decimal("280.0000"),
        Decimal("-220.0000"),
        later,
    )
    assert row.short_later and not row.overdraws
    assert run_shortfalls(company, run) == []
    assert _confirm(company, user, run).status == R.SENDING


def test_what_a_partial_payment_leaves_of_a_bill_still_falls_due_on_its_date(
    company, user, suppliers_bills
):
    account = company.mapping.account
    account.current_balance = Decimal("800.00")
    account.save()
    run = _create(company, user, suppliers_bills)
    bill = suppliers_bills[0]
    run_set_amount(
        company=company, actor=user, run_id=run.pk, bill_id=bill.pk, amount=Decimal("20.00")
    )

    [row] = run_cash(company, run)

    # 620.00 goes with the run; the 100.00 the run leaves of that bill is due in 14 days.
    assert (row.after, row.lowest, row.lowest_date) == (
        Decimal("180.0000"),
        Decimal("80.0000"),
        bill.due_date,
    )
    assert not row.short_later


def test_an_account_with_money_enough_is_no_shortfall(company, user, suppliers_bills):
    run = _create(company, user, suppliers_bills)

    assert run_shortfalls(company, run) == []


# --- approval -----------------------------------------------------------------------------------------


@pytest.fixture
def threshold(company):
    return PaymentSettings.objects.create(company=company, approval_threshold=Decimal("100.00"))


def test_a_run_with_bills_over_the_threshold_needs_an_owners_approval(
    company, user, suppliers_bills, threshold
):
    run = _create(company, user, suppliers_bills)

    with pytest.raises(ApprovalRequired, match="An owner must approve"):
        _confirm(company, user, run)
    assert AuditEvent.objects.filter(action="run.approval_required").exists()

    run = run_approve(company=company, actor=user, run_id=run.pk, comment="Fine for Friday")
    assert (run.status, run.approved_by, run.approval_comment) == (
        R.APPROVED,
        user,
        "Fine for Friday",
    )
    assert _confirm(company, user, run).status == R.SENDING
    assert AuditEvent.objects.filter(action="run.approved", actor=user).exists()


def test_an_accountant_cannot_approve_their_own_run(
    company, accountant, suppliers_bills, threshold
):
    run = _create(company, accountant, suppliers_bills)

    with pytest.raises(NotAllowed, match="You prepared this pay run"):
        run_approve(company=company, actor=accountant, run_id=run.pk)

    run.refresh_from_db()
    assert run.status == R.DRAFT


def test_an_accountant_cannot_confirm_a_run(company, accountant, suppliers_bills):
    run = _create(company, accountant, suppliers_bills)

    with pytest.raises(NotAllowed):
        _confirm(company, accountant, run)


def test_changing_an_approved_run_withdraws_the_approval(company, user, suppliers_bills, threshold):
    run = _create(company, user, suppliers_bills)
    run_approve(company=company, actor=user, run_id=run.pk)

    run = run_set_amount(
        company=company,
        actor=user,
        run_id=run.pk,
        bill_id=suppliers_bills[0].pk,
        amount=Decimal("50.00"),
    )

    assert run.status == R.DRAFT and run.approved_by is None


def test_a_run_of_bills_under_the_threshold_needs_no_approval(company, user, suppliers_bills):
    PaymentSettings.objects.create(company=company, approval_threshold=Decimal("1000.00"))
    run = _create(company, user, suppliers_bills)

    assert _confirm(company, user, run).status == R.SENDING


# --- confirm ------------------------------------------------------------------------------------------


def test_confirming_makes_one_batched_payment_per_group_and_starts_each_push_once(
    company, user, suppliers_bills, django_capture_on_commit_callbacks, enqueued
):
    run = _create(company, user, suppliers_bills)

    with django_capture_on_commit_callbacks(execute=True):
        run = _confirm(company, user, run)

    payments = Payment.objects.filter(run_group__run=run)
    assert payments.count() == 3
    assert set(payments.values_list("status", "refresh_by_batch")) == {
        (Payment.Status.SENDING, True)
    }
    assert sorted(t for t, _kw in enqueued) == ["push_advance_task"] * 3
    assert run.confirmed_by == user
    assert AuditEvent.objects.filter(action="run.confirmed", ref=f"run:{run.pk}").exists()


def _confirm_queries(company, user, suppliers: int) -> int:
    bills = []
    for _ in range(suppliers):
        bills += BillFactory.create_batch(
            2, company=company, supplier=SupplierFactory(company=company)
        )
    run = _create(company, user, bills)
    run.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        run_confirm(company=company, actor=user, run_id=run.pk, form_token=run.form_token)
    assert Payment.objects.filter(run_group__run=run, status=Payment.Status.SENDING).count() == (
        suppliers
    )
    return len(queries)


def test_confirming_a_run_makes_the_same_queries_however_many_groups(company, user, enqueued):
    AccountMappingFactory(company=company)

    small, big = _confirm_queries(company, user, 2), _confirm_queries(company, user, 20)

    assert big == small, f"2 groups: {small} queries, 20 groups: {big}"


def test_each_confirmed_payment_of_a_run_has_its_own_push_timeline_and_audit(
    company, user, suppliers_bills, enqueued
):
    run = _confirm(company, user, _create(company, user, suppliers_bills))

    payments = list(Payment.objects.filter(run_group__run=run).select_related("push"))
    assert len({p.push_id for p in payments}) == 3
    for payment in payments:
        assert payment.push.body == payment.request_body and payment.attempt == 1
        assert payment.push.status == "queued" and payment.confirmed_by == user
        assert list(payment.events.values_list("status", "message")) == [
            (Payment.Status.DRAFT, "Prepared"),
            (Payment.Status.SENDING, "Confirmed"),
        ]
        assert sorted(
            AuditEvent.objects.filter(ref=f"payment:{payment.pk}").values_list("action", flat=True)
        ) == ["payment.confirmed", "payment.prepared"]


def test_a_scheduled_run_says_so_in_each_payments_timeline(company, user, suppliers_bills):
    day = timezone.localdate() + timedelta(3)
    run = _confirm(company, user, _create(company, user, suppliers_bills, payment_date=day))

    for payment in Payment.objects.filter(run_group__run=run):
        assert payment.push_id is None and payment.confirmed_by == user
        assert list(payment.events.values_list("status", "message")) == [
            (Payment.Status.DRAFT, "Prepared"),
            (Payment.Status.SCHEDULED, f"Scheduled for {date_format(day, 'DATE_FORMAT')}"),
        ]
        assert AuditEvent.objects.filter(
            ref=f"payment:{payment.pk}", action="payment.scheduled"
        ).exists()


def test_confirming_with_the_token_of_a_page_drawn_before_a_change_is_refused(
    company, user, suppliers_bills
):
    run = _create(company, user, suppliers_bills)
    old_token = run.form_token
    run_set_amount(
        company=company,
        actor=user,
        run_id=run.pk,
        bill_id=suppliers_bills[0].pk,
        amount=Decimal("1.00"),
    )

    with pytest.raises(RunChanged):
        run_confirm(company=company, actor=user, run_id=run.pk, form_token=old_token)


def test_a_future_date_schedules_every_payment(company, user, suppliers_bills):
    run = _create(company, user, suppliers_bills, payment_date=timezone.localdate() + timedelta(3))

    run = _confirm(company, user, run)

    statuses = set(Payment.objects.filter(run_group__run=run).values_list("status", flat=True))
    assert statuses == {Payment.Status.SCHEDULED}


def test_a_confirmed_run_cannot_change_or_be_cancelled(company, user, suppliers_bills):
    run = _confirm(company, user, _create(company, user, suppliers_bills))

    with pytest.raises(RunInvalid):
        run_set_amount(
            company=company,
            actor=user,
            run_id=run.pk,
            bill_id=suppliers_bills[0].pk,
            amount=Decimal("1.00"),
        )
    with pytest.raises(RunInvalid):
        run_cancel(company=company, actor=user, run_id=run.pk)


def test_a_cancelled_run_reserves_nothing(company, user, suppliers_bills):
    run = _create(company, user, suppliers_bills)

    run_cancel(company=company, actor=user, run_id=run.pk)

    again = _create(company, user, suppliers_bills)
    assert again.bill_count == 6
