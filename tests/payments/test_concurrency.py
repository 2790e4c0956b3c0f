"""Two tabs, two users, twenty workers: still one bill payment in the books."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from billpay.payments.models import Payment
from billpay.payments.services import AmountNotAvailable, payment_confirm
from billpay.pushes.services import push_advance
from billpay.sandbox.models import SandboxPushOperation
from tests.payments.conftest import drive, open_bills, owner, prepare
from tests.payments.test_writeback import ledger_payments

pytestmark = pytest.mark.django_db(transaction=True)
S = Payment.Status


def run_in_threads(count, work):
    """Run `work(i)` in `count` threads started together; returns results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def target(i):
        try:
            barrier.wait()
            results.append(work(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_twenty_concurrent_submissions_for_one_bill_make_one_bill_payment(books):
    [bill] = open_bills(books)
    user = owner(books)

    def submit(_i):
        payment = prepare(books, user, [bill])
        payment_confirm(company=books, actor=user, payment_id=payment.pk)
        return payment.pk

    results, errors = run_in_threads(20, submit)

    assert len(results) == 1
    assert len(errors) == 19 and all(isinstance(e, AmountNotAvailable) for e in errors)
    payment = drive(Payment.objects.get(pk=results[0]))
    assert payment.status == S.VERIFIED
    assert len(ledger_payments(books, payment.reference)) == 1


def test_twenty_workers_advancing_one_push_send_it_once(books):
    [bill] = open_bills(books)
    user = owner(books)
    payment = prepare(books, user, [bill])
    payment_confirm(company=books, actor=user, payment_id=payment.pk)

    payment.refresh_from_db()
    run_in_threads(20, lambda _i: push_advance(push_id=payment.push_id))

    payment = drive(payment)
    assert payment.status == S.VERIFIED and payment.attempt == 1
    assert len(ledger_payments(books, payment.reference)) == 1
    pushes = SandboxPushOperation.objects.filter(
        company=books.seeded.company, data_type="billPayments"
    )
    assert pushes.count() == 1


def test_amounts_in_flight_cannot_be_overpaid_from_two_sessions(books):
    [bill] = open_bills(books)
    user = owner(books)
    part = (bill.amount_due * Decimal("0.6")).quantize(Decimal("0.01"))

    results, errors = run_in_threads(2, lambda _i: prepare(books, user, [bill], {bill.pk: part}).pk)

    assert len(results) == 1 and isinstance(errors[0], AmountNotAvailable)
    rest = bill.amount_due - part
    assert prepare(books, user, [bill], {bill.pk: rest}).total_amount == rest


def test_confirming_twice_queues_once(books, enqueued):
    [bill] = open_bills(books)
    user = owner(books)
    payment = prepare(books, user, [bill])

    run_in_threads(2, lambda _i: payment_confirm(company=books, actor=user, payment_id=payment.pk))

    assert [name for name, _ in enqueued].count("push_advance_task") == 1
    assert payment.events.filter(status=S.SENDING, message="Confirmed").count() == 1
