"""The run's verification tasks and its sweep: when they start, and that running twice is safe."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billpay.payments.models import Payment
from billpay.runs.models import PayRun
from billpay.runs.services import run_confirm, run_create, run_group_settled, runs_quiet
from billpay.runs.tasks import run_verify_task, runs_verify_sweep_task

pytestmark = pytest.mark.django_db
P = Payment.Status


@pytest.fixture
def paying(company, user, suppliers_bills, enqueued):
    run = run_create(company=company, actor=user, bill_ids=[b.pk for b in suppliers_bills])
    return run_confirm(company=company, actor=user, run_id=run.pk, form_token=run.form_token)


def test_only_the_last_payment_to_settle_starts_the_runs_verification(paying):
    first, second, third = Payment.objects.filter(run_group__run=paying).order_by("pk")

    Payment.objects.filter(pk=first.pk).update(status=P.PENDING)
    assert run_group_settled(payment=first) is None
    Payment.objects.filter(pk=second.pk).update(status=P.FAILED)
    assert run_group_settled(payment=second) is None
    Payment.objects.filter(pk=third.pk).update(status=P.PENDING)

    assert run_group_settled(payment=third) == paying.pk


def test_a_payment_of_no_run_starts_nothing(company, user, paying):
    payment = Payment.objects.filter(run_group__run=paying).first()
    paying.groups.update(payment=None)

    assert run_group_settled(payment=payment) is None


def test_verifying_a_run_whose_payments_are_still_on_their_way_does_nothing(paying, enqueued):
    run_verify_task(run_id=paying.pk)
    run_verify_task(run_id=paying.pk)

    paying.refresh_from_db()
    assert (paying.status, paying.refresh_requested_at) == (PayRun.Status.SENDING, None)
    assert not [t for t, _kw in enqueued if t == "run_verify_task"]


def test_a_run_whose_payments_all_failed_needs_attention_once_verified(paying):
    Payment.objects.filter(run_group__run=paying).update(status=P.FAILED)

    run_verify_task(run_id=paying.pk)
    run_verify_task(run_id=paying.pk)

    paying.refresh_from_db()
    assert paying.status == PayRun.Status.ATTENTION


def test_the_sweep_picks_up_quiet_runs_whose_payments_all_settled(paying, enqueued):
    Payment.objects.filter(run_group__run=paying).update(status=P.PENDING)
    PayRun.objects.filter(pk=paying.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5), verify_polls=9
    )

    assert runs_verify_sweep_task() == 1

    assert ("run_verify_task", {"run_id": paying.pk}) in enqueued
    paying.refresh_from_db()
    assert paying.verify_polls == 0
    assert runs_quiet() == []  # just touched: quiet no more


def test_the_sweep_leaves_runs_with_payments_still_on_their_way(paying):
    PayRun.objects.filter(pk=paying.pk).update(updated_at=timezone.now() - timedelta(minutes=5))

    assert runs_quiet() == []
