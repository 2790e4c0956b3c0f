"""The push machine against the sandbox over real HTTP, through the payment adapter.

Each failure path the issue names: a lost response, Codat's TimedOut (the write landed, or
not), a worker killed before and after the send, retries exhausted; plus refusals, transient
errors, the sweep, superseded follow-ups and webhooks. What matters every time: what lands in
the books, exactly once, and that nothing is re-sent before a lookup.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from billpay.codat import CodatClient
from billpay.codat.errors import CodatRequestError, CodatTransientError, ValidationItem
from billpay.onboarding.models import AccountingConnection
from billpay.onboarding.services import webhook_process, webhook_receive
from billpay.payments.models import Payment
from billpay.payments.services import payment_confirm
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance, push_give_up
from billpay.pushes.services.lookup import REPLAY_WINDOW
from billpay.pushes.tasks import push_sweep_task
from billpay.sandbox.models import SandboxPushOperation
from billpay.sandbox.pushes import advance_pushes
from tests.payments.conftest import drive, open_bills, owner, prepare
from tests.payments.test_writeback import ledger_payments

pytestmark = pytest.mark.django_db(transaction=True)
S = Push.Status


@pytest.fixture
def payment(books):
    [bill] = open_bills(books)
    user = owner(books)
    draft = prepare(books, user, [bill])
    payment_confirm(company=books, actor=user, payment_id=draft.pk)
    return fresh(draft)


def fresh(payment: Payment) -> Payment:
    """The payment and its push as stored now."""
    return Payment.objects.select_related("push").get(pk=payment.pk)


def ops(company) -> int:
    return SandboxPushOperation.objects.filter(
        company=company.seeded.company, data_type="billPayments"
    ).count()


def time_out_in_sandbox(books, payment: Payment, *, recorded: bool) -> None:
    """Send the push, then have Codat answer TimedOut: the platform recorded it late, or never."""
    push_advance(push_id=payment.push_id)  # sent: Pending until the sandbox completes it
    push = Push.objects.get(pk=payment.push_id)
    assert push.status == S.SENT
    if recorded:
        advance_pushes(books.seeded.company)  # applied to the books
    SandboxPushOperation.objects.filter(key=push.push_operation_key).update(status="TimedOut")


def test_a_lost_response_is_looked_up_and_lands_once(books, payment, settings):
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=payment.push_id)
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    assert fresh(payment).push.status == S.CHECKING

    with mock.patch("billpay.codat.CodatClient.create_bill_payment") as send:
        settled = drive(payment)

    send.assert_not_called()  # found in push history: the lost push is ours
    assert settled.status == Payment.Status.VERIFIED
    assert ops(books) == 1 and len(ledger_payments(books, payment.reference)) == 1


def test_timed_out_but_in_the_books_is_found_not_resent(books, payment):
    time_out_in_sandbox(books, payment, recorded=True)
    with mock.patch("billpay.codat.CodatClient.create_bill_payment") as send:
        settled = drive(payment)

    send.assert_not_called()
    assert settled.status == Payment.Status.VERIFIED
    assert settled.push.status == S.SUCCEEDED
    assert settled.events.filter(message="Found in your books").exists()
    assert len(ledger_payments(books, payment.reference)) == 1


def test_timed_out_and_absent_is_never_resent_and_fails_after_the_replay_window(books, payment):
    time_out_in_sandbox(books, payment, recorded=False)
    with mock.patch("billpay.codat.CodatClient.create_bill_payment") as send:
        checking = drive(payment)
        assert checking.status == Payment.Status.SENDING
        assert checking.push.status == S.CHECKING  # inside the window: keep looking
        Push.objects.filter(pk=payment.push_id).update(
            first_sent_at=timezone.now() - REPLAY_WINDOW - timedelta(minutes=1), polls=0
        )
        failed = drive(payment)

    send.assert_not_called()
    assert failed.status == Payment.Status.FAILED
    assert "Check your books before sending it again" in failed.status_reason
    assert ledger_payments(books, payment.reference) == []


def test_a_worker_killed_before_the_send_resends_with_the_same_key_after_a_lookup(
    books, payment, settings
):
    with (
        mock.patch("billpay.codat.CodatClient.create_bill_payment", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        push_advance(push_id=payment.push_id)
    claimed = fresh(payment).push
    assert claimed.status == S.SENDING and ops(books) == 0
    settings.PUSH_STALE_CLAIM_SECONDS = 0
    sent_keys = []
    original = CodatClient.create_bill_payment

    def spy(self, **kwargs):
        sent_keys.append(kwargs["idempotency_key"])
        return original(self, **kwargs)

    with mock.patch("billpay.codat.CodatClient.create_bill_payment", spy):
        settled = drive(payment)

    assert settled.status == Payment.Status.VERIFIED
    assert sent_keys == [str(claimed.idempotency_key)]  # looked up first, then the same key
    assert ops(books) == 1 and settled.push.attempts == 2


def test_a_worker_killed_after_the_send_never_sends_again(books, payment, settings):
    with (
        mock.patch("billpay.pushes.services.machine.accepted", side_effect=SystemExit),
        pytest.raises(SystemExit),
    ):
        push_advance(push_id=payment.push_id)
    settings.PUSH_STALE_CLAIM_SECONDS = 0

    with mock.patch("billpay.codat.CodatClient.create_bill_payment") as send:
        settled = drive(payment)

    send.assert_not_called()
    assert settled.status == Payment.Status.VERIFIED and ops(books) == 1


@pytest.mark.parametrize("where", ["queued", "sending", "sent"])
def test_retries_exhausted_move_a_push_to_checking_never_to_failed(books, payment, settings, where):
    if where != "queued":
        push_advance(push_id=payment.push_id)
        Push.objects.filter(pk=payment.push_id).update(status=where)

    push_give_up(push_id=payment.push_id, reason="We could not reach your accounting software.")

    assert fresh(payment).push.status == S.CHECKING
    settings.PUSH_STALE_CLAIM_SECONDS = 0
    settled = drive(payment)
    assert settled.status == Payment.Status.VERIFIED and ops(books) == 1


def test_a_refusal_is_codats_word_the_push_fails_and_is_not_resent(payment):
    refusal = CodatRequestError(
        "400", status=400, validation=(ValidationItem(message="Account is archived."),)
    )
    with mock.patch("billpay.codat.CodatClient.create_bill_payment", side_effect=refusal) as send:
        push_advance(push_id=payment.push_id)
        push_advance(push_id=payment.push_id)

    push = fresh(payment).push
    assert send.call_count == 1
    assert push.status == S.FAILED and push.validation[0]["message"] == "Account is archived."
    assert fresh(payment).status == Payment.Status.FAILED


def test_a_transient_error_puts_the_push_back_in_the_queue(payment):
    with (
        mock.patch(
            "billpay.codat.CodatClient.create_bill_payment", side_effect=CodatTransientError("x")
        ),
        pytest.raises(CodatTransientError),
    ):
        push_advance(push_id=payment.push_id)

    push = fresh(payment).push
    assert push.status == S.QUEUED and push.first_sent_at is not None


def test_a_push_that_cannot_be_sent_fails_before_anything_leaves(books, payment):
    AccountingConnection.objects.filter(company=books).update(status="unlinked")

    push_advance(push_id=payment.push_id)

    push = fresh(payment).push
    assert push.status == S.FAILED and push.error == "Connect your accounting software first."
    assert ops(books) == 0


def test_a_superseded_follow_up_does_nothing(payment):
    later = push_advance(push_id=payment.push_id)  # sent: a follow-up is scheduled
    assert later is not None
    Push.objects.filter(pk=payment.push_id).update(polls=later.turn + 3)

    with mock.patch("billpay.codat.CodatClient.get_push_operation") as follow:
        assert push_advance(push_id=payment.push_id, turn=later.turn) is None

    follow.assert_not_called()


def test_the_sweep_kicks_every_quiet_push_and_only_those(payment, enqueued):
    quiet = timezone.now() - timedelta(hours=1)
    Push.objects.filter(pk=payment.push_id).update(status=S.SENT, updated_at=quiet, polls=9)
    enqueued.clear()

    assert push_sweep_task() == 1
    assert push_sweep_task() == 0  # kicked: it is not quiet any more

    assert enqueued == [("push_advance_task", {"push_id": payment.push_id})]
    assert fresh(payment).push.polls == 0


def test_the_sweep_leaves_a_push_whose_follow_up_is_due_to_its_task(payment, enqueued):
    later = push_advance(push_id=payment.push_id)  # sent: a follow-up is due soon
    assert later is not None
    Push.objects.filter(pk=payment.push_id).update(updated_at=timezone.now() - timedelta(hours=1))
    enqueued.clear()

    assert push_sweep_task() == 0  # its follow-up is on its way
    Push.objects.filter(pk=payment.push_id).update(
        next_check_at=timezone.now() - timedelta(hours=1)
    )
    assert push_sweep_task() == 1  # overdue: the task was lost


def test_a_rate_limit_comes_back_when_codat_says_without_spending_a_retry(payment, enqueued):
    from billpay.codat.errors import CodatRateLimitedError
    from billpay.pushes.tasks import push_advance_task

    busy = CodatRateLimitedError("429", status=429, retry_after=7)
    enqueued.clear()
    with mock.patch("billpay.codat.CodatClient.create_bill_payment", side_effect=busy):
        push_advance_task(push_id=payment.push_id)

    assert fresh(payment).push.status == S.QUEUED  # nothing reached the books
    [(name, kwargs)] = enqueued
    assert name == "push_advance_task" and kwargs == {"push_id": payment.push_id, "turn": None}


def _success_webhook(books, push: Push, webhook_id: str, *, key: str | None = None):
    """Codat's `billPayments.write.successful` for this push, stored by the receiver as it
    arrives and not yet processed (its task waits behind other work)."""
    advance_pushes(books.seeded.company)  # the sandbox records it in the books
    op = SandboxPushOperation.objects.get(key=push.push_operation_key)
    payload = {
        "eventType": "billPayments.write.successful",
        "payload": {
            "id": key or push.push_operation_key,
            "type": "Create",
            "referenceCompany": {"id": books.codat_company_id},
            "status": "Success",
            "record": {"id": op.record_id},
        },
    }
    event = webhook_receive(webhook_id=webhook_id, payload=payload)
    assert event is not None and event.processed_at is None
    return event, op.record_id


def test_a_follow_up_settles_a_push_from_its_waiting_webhook_without_asking_codat(books, payment):
    later = push_advance(push_id=payment.push_id)  # sent: Pending, a follow-up is scheduled
    event, record_id = _success_webhook(books, fresh(payment).push, "msg_waiting")

    with mock.patch("billpay.codat.CodatClient.get_push_operation") as follow:
        assert push_advance(push_id=payment.push_id, turn=later.turn) is None

    follow.assert_not_called()
    push = fresh(payment).push
    assert push.status == S.SUCCEEDED and push.record_id == record_id
    assert fresh(payment).codat_bill_payment_id == record_id
    event.refresh_from_db()
    assert event.processed_at is not None
    webhook_process(event_id=event.pk)  # its own task comes later: nothing more happens
    assert len(ledger_payments(books, payment.reference)) == 1


def test_a_follow_up_asks_codat_when_the_waiting_webhook_is_another_pushs(books, payment):
    later = push_advance(push_id=payment.push_id)
    event, record_id = _success_webhook(
        books, fresh(payment).push, "msg_other", key="c0ffee00-0000-4000-8000-000000000000"
    )

    with mock.patch.object(
        CodatClient, "get_push_operation", autospec=True, side_effect=CodatClient.get_push_operation
    ) as follow:
        assert push_advance(push_id=payment.push_id, turn=later.turn) is None

    assert follow.call_count == 1
    assert fresh(payment).push.record_id == record_id
    event.refresh_from_db()
    assert event.processed_at is None  # left to its own task
