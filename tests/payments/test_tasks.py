"""Tasks: safe to run twice, transient errors retry, permanent ones fail readably; webhooks."""

from unittest import mock

import pytest
from celery.exceptions import Retry

from billpay.codat import get_codat_client
from billpay.codat.errors import CodatRequestError, CodatTransientError, ValidationItem
from billpay.onboarding.models import WebhookEvent
from billpay.onboarding.services.webhooks import webhook_process
from billpay.payments.models import Payment
from billpay.payments.services import payment_confirm
from billpay.pushes.models import Push
from billpay.pushes.tasks import _gave_up, push_advance_task
from billpay.sandbox.models import SandboxPushOperation
from tests.payments.conftest import drive, open_bills, owner, prepare

pytestmark = pytest.mark.django_db(transaction=True)
S = Payment.Status


@pytest.fixture
def queued(books):
    [bill] = open_bills(books)
    user = owner(books)
    payment = prepare(books, user, [bill])
    payment_confirm(company=books, actor=user, payment_id=payment.pk)
    return Payment.objects.select_related("push").get(pk=payment.pk)


def test_the_push_task_run_twice_pushes_once(books, queued):
    push_advance_task(push_id=queued.push_id)
    push_advance_task(push_id=queued.push_id)

    queued = Payment.objects.select_related("push").get(pk=queued.pk)
    assert queued.push.status in (Push.Status.SENT, Push.Status.SUCCEEDED)
    assert queued.attempt == 1 and queued.push.attempts == 1
    assert SandboxPushOperation.objects.filter(data_type="billPayments").count() == 1


def test_the_timeline_says_sending_once_per_send(books, queued):
    push_advance_task(push_id=queued.push_id)

    lines = [(e.status, e.message) for e in queued.events.order_by("pk")]
    # Not a second "Sending to your books" when the worker picks it up: confirmed, then sent.
    assert lines == [
        (S.DRAFT, "Prepared"),
        (S.SENDING, "Confirmed"),
        (S.SENDING, "Sent to your books"),
    ]


def test_a_transient_error_puts_the_payment_back_and_retries(books, queued):
    with (
        mock.patch(
            "billpay.codat.CodatClient.create_bill_payment", side_effect=CodatTransientError("down")
        ),
        mock.patch.object(push_advance_task, "retry", side_effect=Retry()) as retry,
    ):
        with pytest.raises(Retry):
            push_advance_task(push_id=queued.push_id)

    retry.assert_called_once()
    queued = Payment.objects.select_related("push").get(pk=queued.pk)
    assert queued.status == S.SENDING and queued.push.status == Push.Status.QUEUED


def test_a_permanent_error_marks_the_payment_failed_with_a_reason(books, queued):
    error = CodatRequestError(
        "400", status=400, validation=(ValidationItem(message="Account is archived."),)
    )
    with mock.patch("billpay.codat.CodatClient.create_bill_payment", side_effect=error):
        push_advance_task(push_id=queued.push_id)

    queued.refresh_from_db()
    assert queued.status == S.FAILED
    assert queued.status_reason == "Your books rejected this payment: Account is archived."


def test_a_task_that_gives_up_on_an_unsent_payment_checks_instead_of_failing(books, queued):
    # Retries exhausted never fail a write: nothing proves it did not reach the books.
    _gave_up(None, None, "id", (), {"push_id": queued.push_id}, None)

    queued = Payment.objects.select_related("push").get(pk=queued.pk)
    assert queued.status == S.SENDING and queued.push.status == Push.Status.CHECKING
    assert queued.events.filter(message__contains="could not reach").exists()
    assert drive(queued).status == S.VERIFIED
    assert SandboxPushOperation.objects.filter(data_type="billPayments").count() == 1


def test_a_task_that_gives_up_mid_push_looks_the_payment_up_instead(books, queued):
    Push.objects.filter(pk=queued.push_id).update(status=Push.Status.SENDING)

    _gave_up(None, None, "id", (), {"push_id": queued.push_id}, None)

    queued = Payment.objects.select_related("push").get(pk=queued.pk)
    assert queued.push.status == Push.Status.CHECKING


def test_the_write_webhook_records_the_outcome(books, queued):
    push_advance_task(push_id=queued.push_id)
    queued = Payment.objects.select_related("push").get(pk=queued.pk)
    key = queued.push.push_operation_key
    with get_codat_client() as client:  # completes the push in the sandbox (push delay 0)
        op = client.get_push_operation(company_id=books.codat_company_id, push_operation_key=key)
    event = WebhookEvent.objects.create(
        webhook_id="msg_1",
        event_type="billPayments.write.successful",
        company=books,
        payload={
            "eventType": "billPayments.write.successful",
            "payload": {
                "id": key,
                "type": "Create",
                "status": "Success",
                "record": {"id": op.record_id},
            },
        },
    )

    webhook_process(event_id=event.pk)
    webhook_process(event_id=event.pk)

    queued = Payment.objects.get(pk=queued.pk)
    assert queued.status == S.PENDING and queued.codat_bill_payment_id == op.record_id
    assert drive(queued).status == S.VERIFIED
