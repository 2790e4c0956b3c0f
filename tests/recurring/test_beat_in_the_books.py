"""Recurring bills made on schedule in the sandbox's books: through the bill form and the push
machine, once per date, with their payments prepared through the payment services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billpay.bills.models import Bill, LedgerWrite
from billpay.payments.models import Payment, PaymentSettings
from billpay.pushes.services import push_advance
from billpay.recurring.models import RecurringLine, RecurringOccurrence
from billpay.recurring.services import (
    occurrence_run,
    recurring_pause,
    recurring_payments_prepare,
    recurring_resume,
    recurring_run,
)
from billpay.sandbox.models import SandboxCompany
from tests.factories import MembershipFactory, drain_writes
from tests.payments.test_concurrency import run_in_threads
from tests.recurring.conftest import bill_pushes, ledger_bills, make_template, owner

pytestmark = pytest.mark.django_db(transaction=True)
O = RecurringOccurrence.State  # noqa: E741
P = RecurringOccurrence.Payment


def _reference(day) -> str:
    return f"RENT {day.isoformat()}"


def test_a_due_template_makes_its_bill_in_the_books(books):
    today = timezone.localdate()
    template = make_template(books)

    made = recurring_run(company=books)
    drain_writes(books)

    assert made == 1
    occurrence = RecurringOccurrence.objects.get(template=template)
    assert occurrence.state == O.CREATED and occurrence.date == today
    bill = Bill.objects.get(company=books, reference=_reference(today), is_deleted=False)
    assert bill.push_state == "in_books" and bill.is_in_books
    assert bill.issue_date == today and bill.due_date == today + timedelta(days=30)
    assert bill.total_amount == Decimal("1250.50")
    assert bill.created_by == owner(books)
    [record] = ledger_bills(books, _reference(today))
    assert Decimal(str(record.data["totalAmount"])) == Decimal("1250.50")
    assert record.data["supplierRef"]["id"] == template.supplier.codat_supplier_id


def test_a_template_run_twice_on_the_same_date_makes_one_bill(books):
    today = timezone.localdate()
    template = make_template(books)

    recurring_run(company=books)
    recurring_run(company=books)
    occurrence_run(template=template, day=today)  # the task retried
    drain_writes(books)
    recurring_run(company=books)

    assert RecurringOccurrence.objects.filter(template=template).count() == 1
    assert LedgerWrite.objects.filter(company=books, push__kind="bill.create").count() == 1
    assert len(ledger_bills(books, _reference(today))) == 1
    assert bill_pushes(books) == 1


def test_eight_workers_running_one_template_at_once_make_one_bill(books):
    today = timezone.localdate()
    template = make_template(books)

    results, errors = run_in_threads(8, lambda _i: occurrence_run(template=template, day=today))
    drain_writes(books)

    assert errors == []
    assert {o.pk for o in results} == {RecurringOccurrence.objects.get(template=template).pk}
    assert {o.state for o in results} == {O.CREATED}
    assert LedgerWrite.objects.filter(company=books, push__kind="bill.create").count() == 1
    assert len(ledger_bills(books, _reference(today))) == 1
    assert bill_pushes(books) == 1


def test_a_lost_response_on_the_bill_is_looked_up_and_never_makes_a_second_bill(books):
    today = timezone.localdate()
    template = make_template(books)
    recurring_run(company=books)
    write = LedgerWrite.objects.get(company=books, push__kind="bill.create")
    sandbox = books.seeded.company
    SandboxCompany.objects.filter(pk=sandbox.pk).update(fault_lost_response_rate=Decimal("1"))

    push_advance(push_id=write.push_id)  # the books take the bill, the answer never comes

    write.push.refresh_from_db()
    assert write.push.status == "checking"
    assert bill_pushes(books) == 1
    SandboxCompany.objects.filter(pk=sandbox.pk).update(fault_lost_response_rate=Decimal("0"))
    recurring_run(company=books)  # the beat again (or the task retried) while it is unknown
    drain_writes(books)

    write.push.refresh_from_db()
    assert write.push.status == "succeeded" and write.push.attempts == 1
    assert bill_pushes(books) == 1
    assert len(ledger_bills(books, _reference(today))) == 1
    assert RecurringOccurrence.objects.get(template=template).state == O.CREATED


def test_missed_dates_are_caught_up_once_and_future_ones_wait(books):
    today = timezone.localdate()
    template = make_template(books, start=today - timedelta(weeks=3), frequency="weekly")
    template.runs_from = today - timedelta(weeks=3)
    template.save(update_fields=["runs_from"])

    made = recurring_run(company=books)
    again = recurring_run(company=books, today=today)
    drain_writes(books)

    assert made == 4 and again == 0
    dates = sorted(
        RecurringOccurrence.objects.filter(template=template).values_list("date", flat=True)
    )
    assert dates == [today - timedelta(weeks=n) for n in (3, 2, 1, 0)]
    for day in dates:
        assert len(ledger_bills(books, _reference(day))) == 1


def test_a_paused_template_makes_nothing_and_resuming_skips_the_dates_in_between(books):
    today = timezone.localdate()
    user = owner(books)
    template = make_template(books, start=today + timedelta(days=1), frequency="weekly")
    recurring_pause(template=template, actor=user)

    assert recurring_run(company=books, today=today + timedelta(days=15)) == 0

    template.refresh_from_db()
    assert template.status == "paused"
    recurring_resume(template=template, actor=user)
    template.refresh_from_db()
    assert template.status == "active" and template.runs_from == today
    # Resumed today: the dates that passed while paused are never made.
    template.runs_from = today + timedelta(days=10)
    template.save(update_fields=["runs_from"])
    assert recurring_run(company=books, today=today + timedelta(days=15)) == 1
    assert list(RecurringOccurrence.objects.values_list("date", flat=True)) == [
        today + timedelta(days=15)
    ]


def test_the_bill_form_refusing_the_bill_is_kept_as_the_reason(books):
    template = make_template(books)
    RecurringLine.objects.filter(template=template).update(account=None)  # gone from the books

    recurring_run(company=books)

    occurrence = RecurringOccurrence.objects.get(template=template)
    assert occurrence.state == O.REFUSED and occurrence.bill is None
    assert "Line 1, account" in occurrence.reason
    assert not LedgerWrite.objects.filter(company=books).exists()
    assert recurring_run(company=books) == 0  # refused once: not tried again every day


def test_the_duplicate_guard_of_the_new_bill_page_applies(books):
    today = timezone.localdate()
    template = make_template(books)
    Bill.objects.filter(company=books, supplier=template.supplier).update(
        reference=_reference(today)
    )

    recurring_run(company=books)

    occurrence = RecurringOccurrence.objects.get(template=template)
    assert occurrence.state == O.REFUSED
    assert "looks like a bill you already have" in occurrence.reason
    assert not LedgerWrite.objects.filter(company=books).exists()


# --- payments -------------------------------------------------------------------------------------


def _made_and_landed(books, **kwargs):
    template = make_template(books, payment_method="bank_transfer", **kwargs)
    recurring_run(company=books)
    drain_writes(books)  # the bill reaches the books, the sync mirrors it
    recurring_payments_prepare(company=books)
    return template, RecurringOccurrence.objects.get(template=template)


def test_a_payment_waits_for_the_bill_then_is_scheduled_for_a_working_day(books):
    template = make_template(books, payment_method="bank_transfer", payment_offset_days=-2)
    recurring_run(company=books)
    occurrence = RecurringOccurrence.objects.get(template=template)
    assert occurrence.payment_state == P.WAITING  # the bill is still on its way

    drain_writes(books)
    recurring_payments_prepare(company=books)

    occurrence.refresh_from_db()
    payment = occurrence.payment
    assert occurrence.payment_state == P.SCHEDULED and payment.status == Payment.Status.SCHEDULED
    assert payment.total_amount == Decimal("1250.50") and payment.currency == "USD"
    planned = occurrence.date + timedelta(days=30 - 2)
    assert payment.payment_date.weekday() < 5
    assert 0 <= (payment.payment_date - planned).days <= 2
    assert [a.bill_id for a in payment.allocations.all()] == [occurrence.bill_id]
    assert recurring_payments_prepare(company=books) == 0  # once


def test_a_bill_over_the_approval_threshold_leaves_a_prepared_payment_and_says_why(books):
    PaymentSettings.objects.create(company=books, approval_threshold=Decimal("100"))

    _template, occurrence = _made_and_landed(books)

    assert occurrence.payment_state == P.PREPARED
    assert occurrence.payment.status == Payment.Status.DRAFT
    assert "Approve" in occurrence.reason


def test_an_accountants_template_prepares_the_payment_for_an_owner_to_confirm(books, enqueued):
    accountant = MembershipFactory(company=books, role="accountant").user

    _template, occurrence = _made_and_landed(books, actor=accountant)

    assert occurrence.payment_state == P.PREPARED
    assert occurrence.payment.status == Payment.Status.DRAFT
    assert "Only an owner or an admin" in occurrence.reason
    [told] = [k for name, k in enqueued if name == "notifications_deliver_task"]
    assert told["event_key"] == f"recurring:{occurrence.pk}:payment"
    assert set(told["recipient_ids"]) == {accountant.pk, owner(books).pk}


def test_two_step_login_required_leaves_the_payment_for_a_person_to_confirm(books):
    books.require_two_factor = True
    books.save(update_fields=["require_two_factor"])

    _template, occurrence = _made_and_landed(books)

    assert occurrence.payment_state == P.PREPARED
    assert occurrence.payment.status == Payment.Status.DRAFT


def test_no_account_mapped_for_the_method_leaves_no_payment_and_says_why(books, enqueued):
    template = make_template(books, payment_method="check")
    recurring_run(company=books)
    drain_writes(books)

    recurring_payments_prepare(company=books)

    occurrence = RecurringOccurrence.objects.get(template=template)
    assert occurrence.payment_state == P.REFUSED and occurrence.payment is None
    assert "No account is set up" in occurrence.reason
    assert not Payment.objects.filter(company=books).exists()
    [told] = [k for name, k in enqueued if name == "notifications_deliver_task"]
    assert told["recipient_ids"] == [owner(books).pk]


def test_a_payment_due_today_is_sent_once_even_when_its_answer_is_lost(books):
    from tests.payments.conftest import drive
    from tests.payments.test_writeback import ledger_payments

    template, occurrence = _made_and_landed(books, due_days=0)
    payment = occurrence.payment
    if payment.status == Payment.Status.SCHEDULED:  # today is a weekend: Monday it goes
        pytest.skip("the payment date moved to Monday")
    sandbox = books.seeded.company
    SandboxCompany.objects.filter(pk=sandbox.pk).update(fault_lost_response_rate=Decimal("1"))
    push_advance(push_id=payment.push_id)
    SandboxCompany.objects.filter(pk=sandbox.pk).update(fault_lost_response_rate=Decimal("0"))
    recurring_payments_prepare(company=books)

    payment = drive(payment)

    assert payment.status == Payment.Status.VERIFIED and payment.attempt == 1
    assert len(ledger_payments(books, payment.reference)) == 1
    assert Payment.objects.filter(company=books).count() == 1
    assert template.pk
