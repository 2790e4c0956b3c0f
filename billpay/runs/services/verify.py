"""After confirm: one bills refresh for the whole run, one read to verify all its payments.

Every group's payment is `refresh_by_batch`: when one is recorded, fails or is held, payments
tells the run (`payments.hooks` → `run_group_settled`). Once none is still on its way, the run
asks Codat to re-read the bills once, waits for that read, syncs the bills once and marks every
payment the mirror shows verified (`run_verify`). Then the run is done, or needs attention when
some payment failed or was held (a failed group can be retried on its own).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from billpay.core.locks import session_lock
from billpay.core.services import audit_record
from billpay.payments.models import Payment
from billpay.payments.services import (
    bills_refresh_done,
    bills_refresh_request,
    payments_verify_in_mirror,
)
from billpay.runs.models import PayRun, PayRunGroup

R = PayRun.Status
P = Payment.Status
UNSETTLED = (P.DRAFT, P.SCHEDULED, P.SENDING)
VERIFY_LOCK_SPACE = 0x52554E56  # "RUNV": the first key of the advisory lock of a run's verify


def run_group_settled(*, payment: Payment) -> int | None:
    """One of a run's payments was recorded, failed or held: the run's id once none of its
    payments is still on its way (its verification is to start), else None.

    **Transaction:** the caller's (the push machine's); locks the run row so that of two
    payments settling at once the later one sees the other settled (one of them says "go").
    """
    group = PayRunGroup.objects.filter(payment=payment).values("run_id").first()
    if group is None:
        return None
    run = PayRun.objects.select_for_update().filter(pk=group["run_id"]).first()
    if run is None or run.status != R.SENDING:
        return None
    if Payment.objects.filter(run_group__run=run, status__in=UNSETTLED).exists():
        return None
    return run.pk


def run_payment_deleted(*, payment: Payment) -> None:
    """One of a run's payments was deleted from the books (its bill is due again): a run that
    was done needs attention again.

    **Transaction:** the caller's (the push machine's); a conditional update, audited.
    """
    group = PayRunGroup.objects.filter(payment=payment).select_related("run__company").first()
    if group is None:
        return
    run = group.run
    now = timezone.now()
    if PayRun.objects.filter(pk=run.pk, status=R.DONE).update(status=R.ATTENTION, updated_at=now):
        audit_record(
            company=run.company,
            actor=None,
            action=f"run.{R.ATTENTION}",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={"payment": payment.reference},
        )


def run_verify(*, run_id: int) -> float | None:
    """Ask for the run's one bills refresh, wait for it, read the bills once, verify.

    Returns when to check again (seconds), or None: finished, not ready (a payment is still on
    its way: its settling starts this again), another verification of this run is at work right
    now (it comes back by itself), or out of follow-ups (the sweep takes over).

    One refresh per run: it is asked for once every payment is recorded, and the bills are read
    by a sync run here only after Codat says that refresh completed. A sync still being written
    by another worker (the read.completed webhook's) is waited for, never read half done; its
    end starts this again (`run_bills_synced`). A second refresh is asked for only when the one
    read after the refresh completed still misses a payment: then the books changed after the
    refresh started, or the refresh was never ours (Codat said one was already running, or its
    answer was lost), and only a new read can show the payment.
    **Idempotent and one at a time:** only a paying run is checked, only pending payments move,
    and two verifications of one run (a poll, the sync's hook, the sweep) never overlap.
    **Raises:** CodatTransientError.
    """
    with _verifying(run_id) as alone:
        if not alone:
            return None
        return _verify(run_id)


def _verify(run_id: int) -> float | None:
    run = PayRun.objects.select_related("company").filter(pk=run_id).first()
    if run is None or run.status != R.SENDING:
        return None
    payments = Payment.objects.filter(run_group__run=run)
    if payments.filter(status__in=UNSETTLED).exists():
        return None
    pending = payments.filter(status=P.PENDING)
    recorded = pending.aggregate(last=Max("completed_at"))["last"]
    if recorded is None:
        _finish(run)
        return None
    if run.refresh_requested_at is None or run.refresh_requested_at < recorded:
        state = bills_refresh_request(company=run.company)
        now = timezone.now()
        PayRun.objects.filter(pk=run.pk).update(
            refresh_requested_at=now, verify_state=state, updated_at=now
        )
        run.refresh_requested_at, run.verify_state = now, state
        return _later(run)
    if not bills_refresh_done(company=run.company, state=run.verify_state):
        return _later(run)
    waiting = payments_verify_in_mirror(
        company=run.company, payment_ids=list(pending.values_list("pk", flat=True))
    )
    if waiting is None:  # another sync is writing the mirror: read it once that one is done
        return _later(run)
    if waiting:
        # The read after our refresh completed still misses a payment: ask for another.
        PayRun.objects.filter(pk=run.pk).update(refresh_requested_at=None)
        return _later(run)
    _finish(run)
    return None


def runs_awaiting_bills(*, company) -> list[int]:
    """The company's paying runs whose bills refresh was asked for: a sync that has just read
    the bills may be what they wait for."""
    return list(
        PayRun.objects.filter(
            company=company, status=R.SENDING, refresh_requested_at__isnull=False
        ).values_list("pk", flat=True)
    )


def runs_quiet() -> list[int]:
    """Paying runs whose payments all settled but which went quiet: to verify again.

    **Idempotent:** resets their follow-up budget; verifying checks the state first.
    """
    quiet = timezone.now() - timedelta(seconds=settings.PUSH_SWEEP_SECONDS)
    unsettled = Payment.objects.filter(run_group__run=OuterRef("pk"), status__in=UNSETTLED)
    ids = list(
        PayRun.objects.filter(status=R.SENDING, updated_at__lt=quiet)
        .filter(~Exists(unsettled))
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    PayRun.objects.filter(pk__in=ids).update(verify_polls=0, updated_at=timezone.now())
    return ids


def _finish(run: PayRun) -> None:
    """Every payment is verified (done) or some failed or were held (needs attention)."""
    statuses = set(Payment.objects.filter(run_group__run=run).values_list("status", flat=True))
    final = R.DONE if statuses == {P.VERIFIED} else R.ATTENTION
    now = timezone.now()
    if PayRun.objects.filter(pk=run.pk, status=R.SENDING).update(
        status=final, completed_at=now, updated_at=now
    ):
        audit_record(
            company=run.company,
            actor=None,
            action=f"run.{final}",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
        )


def _verifying(run_id: int):
    """Whether this is the only verification of the run at work (a session lock: Codat is
    called in between, so no transaction is held)."""
    return session_lock(VERIFY_LOCK_SPACE, run_id, wait=False)


def _later(run: PayRun) -> float | None:
    delays = settings.PUSH_POLL_DELAYS
    turn = run.verify_polls
    if turn >= len(delays):
        return None
    PayRun.objects.filter(pk=run.pk).update(verify_polls=turn + 1, updated_at=timezone.now())
    run.verify_polls = turn + 1
    return delays[turn]
