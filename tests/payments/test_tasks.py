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
from billpay.payments.tasks import _payment_failed, payment_write_back_task
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
    return payment


def test_the_write_back_task_run_twice_pushes_once(books, queued):
    payment_write_back_task(payment_id=queued.pk)
    payment_write_back_task(payment_id=queued.pk)

    queued.refresh_from_db()
    assert queued.status == S.SUBMITTED and queued.attempt == 1
    assert SandboxPushOperation.objects.filter(data_type="billPayments").count() == 1


def test_a_transient_error_puts_the_payment_back_and_retries(books, queued):
    with (
        mock.patch(
            "billpay.codat.CodatClient.create_bill_payment", side_effect=CodatTransientError("down")
        ),
        mock.patch.object(payment_write_back_task, "retry", side_effect=Retry()) as retry,
    ):
        with pytest.raises(Retry):
            payment_write_back_task(payment_id=queued.pk)

    retry.assert_called_once()
    queued.refresh_from_db()
    assert queued.status == S.QUEUED


def test_a_permanent_error_marks_the_payment_failed_with_a_reason(books, queued):
    error = CodatRequestError(
        "400", status=400, validation=(ValidationItem(message="Account is archived."),)
    )
    with mock.patch("billpay.codat.CodatClient.create_bill_payment", side_effect=error):
        payment_write_back_task(payment_id=queued.pk)

    queued.refresh_from_db()
    assert queued.status == S.FAILED
    assert queued.status_reason == "Your books rejected this payment: Account is archived."


def test_a_task_that_gives_up_fails_an_unsent_payment(books, queued):
    _payment_failed(None, None, "id", (), {"payment_id": queued.pk}, None)

    queued.refresh_from_db()
    assert queued.status == S.FAILED and "could not reach" in queued.status_reason


def test_a_task_that_gives_up_mid_push_looks_the_payment_up_instead(books, queued):
    Payment.objects.filter(pk=queued.pk).update(status=S.SUBMITTING)

    _payment_failed(None, None, "id", (), {"payment_id": queued.pk}, None)

    queued.refresh_from_db()
    assert queued.status == S.CHECKING


def test_the_write_webhook_records_the_outcome(books, queued):
    payment_write_back_task(payment_id=queued.pk)
    queued.refresh_from_db()
    with get_codat_client() as client:  # completes the push in the sandbox (push delay 0)
        op = client.get_push_operation(
            company_id=books.codat_company_id, push_operation_key=queued.push_operation_key
        )
    event = WebhookEvent.objects.create(
        webhook_id="msg_1", event_type="billPayments.write.successful", company=books,
        payload={"eventType": "billPayments.write.successful", "payload": {
            "id": queued.push_operation_key, "type": "Create", "status": "Success",
            "record": {"id": op.record_id}}},
    )  # fmt: skip

    webhook_process(event_id=event.pk)
    webhook_process(event_id=event.pk)

    queued.refresh_from_db()
    assert queued.status == S.PENDING and queued.codat_bill_payment_id == op.record_id
    assert drive(queued).status == S.VERIFIED
