"""The write-back against the sandbox over real HTTP: what lands in the books, exactly once."""

from decimal import Decimal
from unittest import mock

import pytest

from billpay.core.models import AuditEvent
from billpay.payments.models import Payment
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from billpay.sandbox import store
from billpay.sandbox.models import SandboxPushOperation
from tests.payments.conftest import drive, open_bills, owner, pay, prepare

pytestmark = pytest.mark.django_db(transaction=True)
S = Payment.Status


def ledger_payments(company, reference=None):
    rows = (
        store.ledger_list(company.seeded.company, "billPayments")
        if hasattr(store, "ledger_list")
        else None
    )
    if rows is None:
        from billpay.sandbox.models import SandboxLedgerRecord

        rows = [
            r.data
            for r in SandboxLedgerRecord.objects.filter(
                company=company.seeded.company, data_type="billPayments", is_deleted=False
            )
        ]
    return [r for r in rows if reference is None or r.get("reference") == reference]


def ledger_bill(company, bill):
    return store.ledger_get(company.seeded.company, "bills", bill.codat_bill_id)


def test_paying_a_bill_in_full_lands_in_the_books_and_is_verified(books):
    [bill] = open_bills(books)

    payment = pay(books, [bill])

    assert payment.status == S.VERIFIED, payment.status_reason
    [written] = ledger_payments(books, payment.reference)
    assert Decimal(written["totalAmount"]) == bill.amount_due
    assert written["lines"][0]["links"] == [
        {"type": "Bill", "id": bill.codat_bill_id, "amount": -bill.amount_due}
    ]
    assert ledger_bill(books, bill)["status"] == "Paid"
    bill.refresh_from_db()
    assert bill.codat_status == "Paid" and bill.amount_due == 0


def test_paying_part_of_a_bill_leaves_it_partially_paid(books):
    [bill] = open_bills(books)
    part = (bill.amount_due / 3).quantize(Decimal("0.01"))

    payment = pay(books, [bill], {bill.pk: part})

    assert payment.status == S.VERIFIED
    bill.refresh_from_db()
    assert bill.codat_status == "PartiallyPaid"
    assert bill.amount_due == Decimal(ledger_bill(books, bill)["amountDue"])
    assert ledger_payments(books, payment.reference)[0]["totalAmount"] == part


def test_three_bills_of_one_supplier_are_one_bill_payment_with_a_line_each(books):
    bills = open_bills(books, count=3)

    payment = pay(books, bills)

    assert payment.status == S.VERIFIED
    [written] = ledger_payments(books, payment.reference)
    assert [line["links"][0]["id"] for line in written["lines"]] == [b.codat_bill_id for b in bills]
    assert Decimal(written["totalAmount"]) == sum(b.amount_due for b in bills)
    assert written["supplierRef"]["id"] == bills[0].codat_supplier_id
    for bill in bills:
        bill.refresh_from_db()
        assert bill.codat_status == "Paid"


def test_a_worker_killed_after_the_push_does_not_push_twice(books, settings):
    [bill] = open_bills(books)
    user = owner(books)
    payment = prepare(books, user, [bill])
    from billpay.payments.services import payment_confirm

    payment_confirm(company=books, actor=user, payment_id=payment.pk)
    payment.refresh_from_db()
    with (
        mock.patch("billpay.pushes.services.machine.accepted", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        push_advance(push_id=payment.push_id)
    payment = Payment.objects.select_related("push").get(pk=payment.pk)
    assert payment.push.status == Push.Status.SENDING and not payment.push.push_operation_key
    settings.PUSH_STALE_CLAIM_SECONDS = 0

    with mock.patch("billpay.codat.CodatClient.create_bill_payment") as push:
        payment = drive(payment)

    push.assert_not_called()
    assert payment.status == S.VERIFIED
    assert len(ledger_payments(books, payment.reference)) == 1


def test_a_lost_response_still_gives_exactly_one_bill_payment(books, settings):
    [bill] = open_bills(books)
    user = owner(books)
    payment = prepare(books, user, [bill])
    from billpay.payments.services import payment_confirm

    payment_confirm(company=books, actor=user, payment_id=payment.pk)
    payment.refresh_from_db()
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=payment.push_id)
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    payment = Payment.objects.select_related("push").get(pk=payment.pk)
    assert payment.push.status == Push.Status.CHECKING

    payment = drive(payment)

    assert payment.status == S.VERIFIED
    assert len(ledger_payments(books, payment.reference)) == 1
    assert payment.attempt == 1
    assert SandboxPushOperation.objects.filter(data_type="billPayments").count() == 1


def test_a_failed_push_shows_the_reason_and_releases_the_amount(books):
    [bill] = open_bills(books)
    # The books change under us: the bill is paid in full elsewhere before our push lands.
    data = ledger_bill(books, bill)
    store.ledger_put(
        books.seeded.company, "bills", bill.codat_bill_id, data | {"amountDue": Decimal("1.00")}
    )

    payment = pay(books, [bill])

    assert payment.status == S.FAILED
    assert "exceeds" in payment.status_reason and "rejected" in payment.status_reason
    assert ledger_payments(books, payment.reference) == []
    assert AuditEvent.objects.filter(action="payment.failed", ref=f"payment:{payment.pk}").exists()
    again = prepare(books, owner(books), [bill])  # the whole amount is available again
    assert again.total_amount == bill.amount_due


def test_a_bills_refresh_asked_after_a_payment_was_recorded_serves_it_too(books):
    from datetime import timedelta

    from django.utils import timezone

    from billpay.payments.services import payment_request_bills_refresh
    from billpay.sandbox.models import SandboxDataset

    first, second = open_bills(books, count=2)
    user = owner(books)
    earlier, later = prepare(books, user, [first]), prepare(books, user, [second])
    now = timezone.now()
    Payment.objects.filter(pk=earlier.pk).update(
        status=S.PENDING, completed_at=now - timedelta(seconds=2)
    )
    Payment.objects.filter(pk=later.pk).update(
        status=S.PENDING, completed_at=now - timedelta(seconds=1)
    )
    earlier.refresh_from_db()
    later.refresh_from_db()
    before = SandboxDataset.objects.filter(data_type="bills").count()

    payment_request_bills_refresh(earlier)  # asked after both were recorded
    payment_request_bills_refresh(later)

    assert SandboxDataset.objects.filter(data_type="bills").count() == before + 1
    later.refresh_from_db()
    assert later.verify_state["bills_pull_id"] == earlier.verify_state["bills_pull_id"]
