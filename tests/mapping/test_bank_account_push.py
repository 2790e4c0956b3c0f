"""A bank account's push against the sandbox: never created twice, never re-sent before a
lookup, never given up on (issue 11: one machine for every write)."""

import dataclasses
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from billpay.codat import CodatClient
from billpay.codat.errors import CodatTransientError
from billpay.mapping.models import AccountMapping, BankAccountRequest
from billpay.mapping.pushes import BankAccountPush
from billpay.pushes.models import Push
from billpay.pushes.services import adapter_for, push_advance
from billpay.pushes.services.adapters import registered_data_types
from billpay.pushes.tasks import push_advance_task, push_sweep_task
from billpay.sandbox.models import SandboxPushOperation
from tests.conftest import _logged_in
from tests.mapping.conftest import drive

pytestmark = pytest.mark.django_db(transaction=True)
S = Push.Status


@pytest.fixture
def requested(synced) -> BankAccountRequest:
    """A USD bank account for bank transfers, asked for through the form (not sent yet)."""
    cache.clear()
    client = _logged_in(synced.memberships.get(role="owner").user, synced)
    fields = {"method": "bank_transfer", "currency": "USD", "account_name": "Payroll"}
    client.post(reverse("mapping:bank-account-new"), fields | {"account_number": "12345678"})
    return BankAccountRequest.objects.select_related("push").get()


def sandbox_pushes() -> int:
    return SandboxPushOperation.objects.filter(data_type="bankAccounts").count()


def mapped_to(push: Push) -> bool:
    mapping = AccountMapping.objects.filter(method="bank_transfer", currency="USD").first()
    return mapping is not None and mapping.account.codat_account_id == push.record_id


def timed_out(real):
    """get_push_operation as Codat answers once the platform did not answer in time."""

    def answer(self, **kwargs):
        return dataclasses.replace(real(self, **kwargs), status="TimedOut", changes=())

    return answer


def test_the_bank_account_adapter_is_registered():
    assert isinstance(adapter_for("bank_account.create"), BankAccountPush)
    assert "bankAccounts" in registered_data_types()


def test_timed_out_is_looked_up_and_found_in_the_books(requested):
    """Was: TimedOut failed the request at once. Now it is looked up like any unknown outcome."""
    push_advance(push_id=requested.push_id)
    find = BankAccountPush.find_in_books
    with (
        mock.patch.object(
            CodatClient, "get_push_operation", timed_out(CodatClient.get_push_operation)
        ),
        mock.patch.object(
            BankAccountPush, "find_in_books", autospec=True, side_effect=find
        ) as look,
    ):
        push = drive(requested.push)

    assert push.status == S.SUCCEEDED, push.error
    assert look.called  # found by looking in the books, not by sending it again
    assert push.attempts == 1 and sandbox_pushes() == 1
    assert mapped_to(push)


def test_timed_out_and_absent_past_the_replay_window_fails_without_a_resend(requested, settings):
    settings.SANDBOX_PUSH_DELAY_SECONDS = 3600  # the platform never gets to it
    push_advance(push_id=requested.push_id)
    with mock.patch.object(
        CodatClient, "get_push_operation", timed_out(CodatClient.get_push_operation)
    ):
        push = drive(requested.push)
        assert push.status == S.CHECKING  # inside the window it may still land: keep looking
        Push.objects.filter(pk=push.pk).update(first_sent_at=timezone.now() - timedelta(hours=2))
        push = drive(push)

    assert push.status == S.FAILED
    assert "Check your books" in push.error
    assert push.attempts == 1 and sandbox_pushes() == 1
    assert not AccountMapping.objects.exists()


def test_a_worker_killed_after_sending_does_not_send_again(requested, settings):
    real_send = BankAccountPush.send

    def send_then_die(self, client, push, connection):
        real_send(self, client, push, connection)
        raise SystemExit

    with mock.patch.object(BankAccountPush, "send", send_then_die), pytest.raises(SystemExit):
        push_advance(push_id=requested.push_id)
    push = Push.objects.get(pk=requested.push_id)
    assert push.status == S.SENDING and not push.push_operation_key
    settings.PUSH_STALE_CLAIM_SECONDS = 0

    find = BankAccountPush.find_in_books
    with (
        mock.patch.object(CodatClient, "create_bank_account") as send,
        mock.patch.object(
            BankAccountPush, "find_in_books", autospec=True, side_effect=find
        ) as look,
    ):
        push = drive(push)

    send.assert_not_called()
    assert look.called
    assert push.status == S.SUCCEEDED, push.error
    assert sandbox_pushes() == 1 and mapped_to(push)


def test_retries_exhausted_before_anything_was_sent_are_looked_up_not_failed(
    requested, settings, enqueued
):
    """Was: a task out of retries failed a queued request. Now the push is looked up."""
    unreachable = CodatTransientError("Codat is unavailable")
    with (
        mock.patch.object(CodatClient, "create_bank_account", side_effect=unreachable),
        pytest.raises(CodatTransientError),
    ):
        push_advance(push_id=requested.push_id)
    assert Push.objects.get(pk=requested.push_id).status == S.QUEUED

    push_advance_task.on_failure(unreachable, "task-id", (), {"push_id": requested.push_id}, None)

    push = Push.objects.get(pk=requested.push_id)
    assert push.status == S.CHECKING
    settings.PUSH_SWEEP_SECONDS = 0
    enqueued.clear()
    assert push_sweep_task() >= 1
    assert ("push_advance_task", {"push_id": push.pk}) in enqueued
    push = drive(push)
    assert push.status == S.SUCCEEDED, push.error
    assert sandbox_pushes() == 1 and mapped_to(push)


def test_retries_exhausted_while_following_are_looked_up_not_failed(requested):
    push_advance(push_id=requested.push_id)
    push = Push.objects.get(pk=requested.push_id)
    assert push.status == S.SENT

    push_advance_task.on_failure(
        CodatTransientError("Codat is unavailable"), "task-id", (), {"push_id": push.pk}, None
    )

    push.refresh_from_db()
    assert push.status == S.CHECKING
    push = drive(push)
    assert push.status == S.SUCCEEDED and push.attempts == 1
    assert sandbox_pushes() == 1 and mapped_to(push)


def test_polls_are_bounded_and_the_sweep_takes_over(requested, settings, enqueued):
    settings.SANDBOX_PUSH_DELAY_SECONDS = 3600  # pending for an hour, and no webhook
    settings.PUSH_POLL_DELAYS = [1, 2]

    first = push_advance(push_id=requested.push_id)
    second = push_advance(push_id=requested.push_id, turn=first.turn)
    last = push_advance(push_id=requested.push_id, turn=second.turn)

    assert (first.delay, second.delay, last) == (1, 2, None)
    push = Push.objects.get(pk=requested.push_id)
    assert push.status == S.SENT
    settings.PUSH_SWEEP_SECONDS = 0
    enqueued.clear()
    assert push_sweep_task() >= 1
    assert ("push_advance_task", {"push_id": push.pk}) in enqueued
    again = push_advance(push_id=push.pk)
    assert again is not None and again.delay == 1
    assert sandbox_pushes() == 1


def test_the_page_shows_the_push_state_while_checking(requested, synced, settings):
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=requested.push_id)
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    client = _logged_in(synced.memberships.get(role="owner").user, synced, HTTP_HX_REQUEST="true")

    response = client.get(reverse("mapping:bank-account-request", args=[requested.pk]))

    page = response.content.decode()
    assert response.status_code == 200 and "Checking your books" in page
    assert 'hx-trigger="every 2s"' in page
