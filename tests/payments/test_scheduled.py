"""Scheduled payments: submitted on their date, held when the bill changed in the books."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from billpay.core.models import AuditEvent
from billpay.payments.models import Payment
from billpay.payments.services import payment_cancel, payment_confirm, payments_submit_due
from billpay.payments.tasks import payments_submit_due_all_task
from billpay.sandbox import store
from tests.payments.conftest import drive, open_bills, owner, prepare
from tests.payments.test_writeback import ledger_payments

pytestmark = pytest.mark.django_db(transaction=True)
S = Payment.Status


def schedule(company, bills, days=3, amounts=None):
    user = owner(company)
    when = timezone.localdate() + timedelta(days=days)
    payment = prepare(company, user, bills, amounts, payment_date=when)
    payment_confirm(company=company, actor=user, payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.status == S.SCHEDULED
    return payment


def on(day):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def change_in_books(company, bill, **changes):
    sandbox_company = company.seeded.company
    data = store.ledger_get(sandbox_company, "bills", bill.codat_bill_id)
    store.ledger_put(sandbox_company, "bills", bill.codat_bill_id, data | changes)
    store.sync_records(sandbox_company, "bills")


def test_a_scheduled_payment_waits_for_its_date_then_is_paid(books):
    [bill] = open_bills(books)
    payment = schedule(books, [bill])

    assert payments_submit_due(company=books) == 0
    with on(payment.payment_date):
        assert payments_submit_due(company=books) == 1

    payment = drive(payment)
    assert payment.status == S.VERIFIED
    [written] = ledger_payments(books, payment.reference)
    assert written["date"].startswith(payment.payment_date.isoformat())


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"amountDue": Decimal("1.00")}, "amount due on"),
        ({"status": "Void"}, "was voided"),
        ({"amountDue": Decimal("0"), "status": "Paid"}, "already paid"),
        ({"supplierRef": {"id": "someone-else"}}, "another supplier"),
    ],
)
def test_a_scheduled_payment_is_held_when_the_bill_changed(books, changes, reason):
    [bill] = open_bills(books)
    payment = schedule(books, [bill])
    change_in_books(books, bill, **changes)

    with on(payment.payment_date):
        payments_submit_due(company=books)

    payment.refresh_from_db()
    assert payment.status == S.ON_HOLD
    assert reason in payment.status_reason
    assert ledger_payments(books, payment.reference) == []
    assert AuditEvent.objects.filter(action="payment.held", ref=f"payment:{payment.pk}").exists()


def test_a_scheduled_payment_is_held_when_the_bill_was_deleted(books):
    [bill] = open_bills(books)
    payment = schedule(books, [bill])
    store.ledger_delete(books.seeded.company, "bills", bill.codat_bill_id)
    store.sync_records(books.seeded.company, "bills")

    with on(payment.payment_date):
        payments_submit_due(company=books)

    payment.refresh_from_db()
    assert payment.status == S.ON_HOLD and "deleted" in payment.status_reason


def test_a_scheduled_payment_can_be_cancelled(books):
    [bill] = open_bills(books)
    payment = schedule(books, [bill])

    payment_cancel(company=books, actor=owner(books), payment_id=payment.pk)

    with on(payment.payment_date):
        assert payments_submit_due(company=books) == 0
    payment.refresh_from_db()
    assert payment.status == S.CANCELLED


def test_beat_fans_out_one_task_per_company_with_due_payments(books, enqueued):
    [bill] = open_bills(books)
    payment = schedule(books, [bill])

    assert payments_submit_due_all_task() == 0
    with on(payment.payment_date):
        assert payments_submit_due_all_task() == 1
    assert ("payments_submit_due_task", {"company_id": books.pk}) in enqueued
