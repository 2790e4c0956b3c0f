"""Sending a payment to the books (its push) and verifying that the books show it.

Sending itself is the push machine's (`billpay.pushes`): a payment hands it a push with the
bill payment's body and hears back through `payment_push_changed`. What stays here is the
payment's own part: its states and timeline, and the check that the mirrored bills show the
payment (pending → verified). Every Codat call runs outside any transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from billpay.bills.models import Bill, BillAllocation, SyncRun
from billpay.bills.services import SyncOutcome, bills_sync, sync_run_queue
from billpay.codat import get_codat_client
from billpay.codat.errors import CodatConflictError, CodatOutcomeUnknownError
from billpay.core.services import audit_record
from billpay.core.words import Phrase, phrase, store, stored_phrase
from billpay.onboarding.models import Company, User
from billpay.payments import notices
from billpay.payments.hooks import batch_settled_handlers
from billpay.payments.models import Payment, PaymentCredit
from billpay.payments.services.common import transition
from billpay.pushes.models import Push
from billpay.pushes.services import push_create, push_create_many
from billpay.pushes.tasks import push_start

logger = logging.getLogger(__name__)
S = Payment.Status
PUSH_KIND = "payment"
CREDIT_PUSH_KIND = "payment.credit"  # a credit-only bill payment written before the payment's own


def payment_send(
    *, payment: Payment, from_statuses: list[str], actor: User | None = None, message: Phrase
) -> bool:
    """Hand the payment to a new push (a new attempt, a new Idempotency-Key) and start it.

    **Idempotent:** the payment moves from `from_statuses` to sending once; a payment already
    moved is left alone. **Transaction:** joins the caller's; the push starts after commit.
    """
    with transaction.atomic():
        push = push_create(
            company=payment.company, kind=PUSH_KIND, body=payment.request_body, created_by=actor
        )
        if not transition(
            payment,
            from_statuses,
            S.SENDING,
            actor=actor,
            message=message,
            push=push,
            **store("status_reason", ""),
            attempt=payment.attempt + 1,
        ):
            push.delete()
            return False
        _credit_pushes(payment, push, actor)
        push_start(push)
    return True


def _credit_pushes(payment: Payment, push: Push, actor: User | None) -> None:
    """Give the payment's credit its pushes for this attempt: credit riding on the payment's own
    bill payment follows `push`; each credit-only bill payment not in the books yet (never sent,
    or failed) gets a new push (a new Idempotency-Key); one already written is kept.
    **Transaction:** the caller's; the pushes start after commit."""
    credits = list(payment.credits.select_related("push"))
    if not credits:
        return
    PaymentCredit.objects.filter(payment=payment, step=PaymentCredit.MAIN).update(push=push)
    for step, body in enumerate(payment.credit_bodies or []):
        rows = [c for c in credits if c.step == step]
        current = rows[0].push if rows else None
        if current is not None and current.status != Push.Status.FAILED:
            continue
        new = push_create(
            company=payment.company, kind=CREDIT_PUSH_KIND, body=body, created_by=actor
        )
        PaymentCredit.objects.filter(payment=payment, step=step).update(push=new)
        push_start(new)


def credit_pushes_block(payment: Payment) -> Phrase | str:
    """Whether the payment's own push must wait for its credit-only bill payments (`WAIT`), can
    never go because one failed (why), or can go now ("")."""
    from billpay.pushes.services.adapters import WAIT

    statuses = set(
        PaymentCredit.objects.filter(payment=payment, step__gte=0).values_list(
            "push__status", flat=True
        )
    )
    if Push.Status.FAILED in statuses:
        return phrase(
            gettext_noop(
                "A credit note could not be applied in your books, so the rest was not sent."
            )
        )
    if statuses - {Push.Status.SUCCEEDED}:
        return WAIT
    return ""


def payment_credit_push_changed(*, push: Push, message: Phrase | str) -> None:
    """A credit-only bill payment of a payment moved: a failure fails the payment (in the books'
    words), a success is told in its timeline and lets the payment's own push go.

    **Transaction:** runs inside the push machine's (no network I/O here).
    """
    credit = PaymentCredit.objects.select_related("payment__company").filter(push=push).first()
    if credit is None:
        return
    payment = credit.payment
    if push.status == Push.Status.FAILED:
        reason = stored_phrase(push.error, push.error_i18n)
        if transition(
            payment, [S.SENDING], S.FAILED, message=reason, **store("status_reason", reason)
        ):
            audit_record(
                company=payment.company,
                actor=None,
                action="payment.failed",
                target=payment.reference,
                ref=f"payment:{payment.pk}",
                data={"reason": push.error, "reason_i18n": push.error_i18n},
            )
            notices.payment_problem(payment, failed=True, reason=reason, key=str(push.pk))
        if payment.push_id is not None:
            push_start(payment.push)  # its push fails at once instead of waiting its turn
    elif push.status == Push.Status.SUCCEEDED:
        payment.events.create(
            company_id=payment.company_id,
            status=payment.status,
            **store("message", phrase(gettext_noop("Credit note applied in your books"))),
        )
        if payment.push_id is not None:
            push_start(payment.push)  # its turn now (it waited for the credit)


def payments_send_new(
    *, company: Company, payments: list[Payment], actor: User | None = None
) -> None:
    """The first push of each new payment (not saved yet, about to be inserted sending):
    created in one insert, each payment marked sending with its own, each started on commit.

    **Transaction:** the caller's, which must be open: the payments are inserted in it before
    any push starts.
    """
    pushes = push_create_many(
        company=company,
        kind=PUSH_KIND,
        bodies=[p.request_body for p in payments],
        created_by=actor,
    )
    for payment, push in zip(payments, pushes, strict=True):
        payment.push = push
        payment.status = S.SENDING
        payment.status_reason, payment.status_reason_i18n = "", {}
        payment.attempt += 1
        push_start(push)


def payment_push_changed(*, push: Push, message: Phrase | str) -> None:
    """The payment's push moved: follow it in the payment's states and timeline.

    **Transaction:** runs inside the push machine's (no network I/O here).
    """
    payment = Payment.objects.select_related("company").filter(push=push).first()
    if payment is None:
        return
    if push.status == Push.Status.SUCCEEDED:
        if transition(
            payment,
            [S.SENDING],
            S.PENDING,
            message=message,
            completed_at=timezone.now(),
            refresh_requested_at=None,
            verify_polls=0,
        ):
            audit_record(
                company=payment.company,
                actor=None,
                action="payment.recorded",
                target=payment.reference,
                ref=f"payment:{payment.pk}",
                data={"bill_payment_id": push.record_id},
            )
            payment_settled(payment)
    elif push.status == Push.Status.FAILED:
        reason = stored_phrase(push.error, push.error_i18n)
        if transition(
            payment, [S.SENDING], S.FAILED, message=reason, **store("status_reason", reason)
        ):
            audit_record(
                company=payment.company,
                actor=None,
                action="payment.failed",
                target=payment.reference,
                ref=f"payment:{payment.pk}",
                data={"reason": push.error, "reason_i18n": push.error_i18n},
            )
            notices.payment_problem(payment, failed=True, reason=reason, key=str(push.pk))
            payment_settled(payment)
    else:
        if push.status == Push.Status.SENDING and push.attempts <= 1:
            return  # the confirmation's line in the timeline already says it is being sent
        payment.events.create(
            company_id=payment.company_id, status=S.SENDING, **store("message", message)
        )
        if push.status == Push.Status.SENT:
            audit_record(
                company=payment.company,
                actor=None,
                action="payment.submitted",
                target=payment.reference,
                ref=f"payment:{payment.pk}",
                data={"push_operation_key": push.push_operation_key, "attempt": payment.attempt},
            )


def payment_settled(payment: Payment) -> None:
    """A payment of a batch was recorded, failed or was held: tell the batch (its hooks).

    **Transaction:** runs inside the caller's, which moved the payment.
    """
    if payment.refresh_by_batch:
        for handler in batch_settled_handlers():
            handler(payment=payment)


def payment_verify(*, payment_id: int) -> float | None:
    """Mark a recorded payment verified once the mirrored bills show the lower amount due.

    Asks Codat to re-read the bills, waits for that read, syncs the bills, then compares.
    Returns when to check again (seconds), or None: verified, not pending, or out of polls (the
    sweep of pending payments takes over). **Idempotent:** only a pending payment is checked.
    **Raises:** CodatTransientError.
    """
    payment = Payment.objects.select_related("company", "push").filter(pk=payment_id).first()
    if payment is None or payment.status != S.PENDING:
        return None
    if _books_show(payment):
        _verified(payment)
        return None
    state = dict(payment.verify_state or {})
    if payment.refresh_requested_at is None:
        payment_request_bills_refresh(payment)
        return _later(payment)
    if _within_grace(payment.refresh_requested_at):
        return _later(payment)  # read.completed → sync usually lands first
    if state.get("bills_pull_id"):
        with get_codat_client() as client:
            pull = client.get_pull_operation(
                company_id=payment.company.codat_company_id, dataset_id=state["bills_pull_id"]
            )
        if not pull.is_completed:
            return _later(payment)
    run, _ = sync_run_queue(
        company=payment.company,
        trigger=SyncRun.Trigger.WEBHOOK,
        data_types=["bills"],
    )
    outcome = bills_sync(run_id=run.pk, announce=False)
    if (
        outcome != SyncOutcome.DONE
        or not SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.SUCCEEDED).exists()
    ):
        # Another worker's sync is still writing the mirror (or this one failed): its rows may
        # be half old, so nothing is concluded and the refresh asked for is kept.
        return _later(payment)
    if _books_show(payment):
        _verified(payment)
        return None
    # The read we waited for predates the payment reaching the books: ask for another.
    Payment.objects.filter(pk=payment.pk).update(refresh_requested_at=None)
    payment.refresh_requested_at = None
    return _later(payment)


def payment_request_bills_refresh(payment: Payment) -> None:
    """Ask Codat to re-read the bills (its cache does not change on a push)."""
    state = dict(payment.verify_state or {})
    # A refresh asked for (by another payment) after ours was recorded shows ours too: when
    # many payments land together, one refresh serves them all (Codat would 409 the rest).
    recorded = (payment.completed_at or timezone.now()).isoformat()
    others = (
        Payment.objects.filter(
            company_id=payment.company_id, status=S.PENDING, verify_state__has_key="bills_pull_at"
        )
        .exclude(pk=payment.pk)
        .order_by("-refresh_requested_at")
        .values_list("verify_state", flat=True)[:20]
    )
    shared = next(
        (o for o in others if o.get("bills_pull_id") and o["bills_pull_at"] >= recorded), None
    )
    if shared:
        state.update(bills_pull_id=shared["bills_pull_id"], bills_pull_at=shared["bills_pull_at"])
    else:
        state.pop("bills_pull_id", None)
        state.pop("bills_pull_at", None)
        state.update(bills_refresh_request(company=payment.company))
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(refresh_requested_at=now, verify_state=state)
    payment.refresh_requested_at, payment.verify_state = now, state


def bills_refresh_request(*, company) -> dict:
    """Ask Codat once to re-read the company's bills: {bills_pull_id, bills_pull_at}, or {} when
    one is already running (Codat's 409) or the answer was lost (the next sync shows it anyway).
    """
    asked = timezone.now().isoformat()  # before sending: the read starts no earlier
    try:
        with get_codat_client() as client:
            pull = client.refresh_data_type(company_id=company.codat_company_id, data_type="bills")
    except (CodatConflictError, CodatOutcomeUnknownError):
        return {}
    return {"bills_pull_id": pull.id, "bills_pull_at": asked}


def bills_refresh_done(*, company, state: dict) -> bool:
    """Whether the re-read of the bills in `state` (from `bills_refresh_request`) completed."""
    if not state.get("bills_pull_id"):
        return True
    with get_codat_client() as client:
        pull = client.get_pull_operation(
            company_id=company.codat_company_id, dataset_id=state["bills_pull_id"]
        )
    return pull.is_completed


def payments_verify_in_mirror(*, company, payment_ids: list[int]) -> list[int] | None:
    """Sync the bills once, then mark verified every pending payment the mirror shows.

    Returns the ids still pending, or None when this read of the bills did not happen and
    nothing was checked: another worker's sync is still writing the mirror (a read.completed
    webhook's, say: this one's rows would be half old), or the sync failed. Only a sync run here,
    after the caller saw its refresh complete, shows what that refresh read. One bills read for
    a whole batch (a pay run), not one per payment; that sync tells no one it finished
    (`announce=False`): its caller is the one that reads it.
    **Idempotent:** only pending payments move. **Raises:** CodatTransientError.
    """
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.WEBHOOK, data_types=["bills"])
    if bills_sync(run_id=run.pk, announce=False) != SyncOutcome.DONE:
        return None
    if not SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.SUCCEEDED).exists():
        return None
    payments = list(
        Payment.objects.filter(company=company, pk__in=payment_ids, status=S.PENDING)
        .select_related("company", "push")
        .prefetch_related("allocations")
    )
    shown = _mirror_shows(payments)
    waiting = []
    for payment in payments:
        if payment.pk in shown:
            _verified(payment)
        else:
            waiting.append(payment.pk)
    return waiting


def payments_pending_quiet() -> list[int]:
    """Recorded payments not verified and quiet for a while: their checks to start again.

    **Idempotent:** resets their follow-up budget; verifying checks the state first.
    """
    quiet = timezone.now() - timedelta(seconds=settings.PUSH_SWEEP_SECONDS)
    # A batch's payments are verified by their batch (its own sweep), never one by one.
    ids = list(
        Payment.objects.filter(status=S.PENDING, updated_at__lt=quiet, refresh_by_batch=False)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    Payment.objects.filter(pk__in=ids).update(verify_polls=0, updated_at=timezone.now())
    return ids


# --- internals ------------------------------------------------------------------------------


def _verified(payment: Payment) -> None:
    if transition(
        payment,
        [S.PENDING],
        S.VERIFIED,
        verified_at=timezone.now(),
        message=phrase(gettext_noop("Verified in your books")),
    ):
        audit_record(
            company=payment.company,
            actor=None,
            action="payment.verified",
            target=payment.reference,
            ref=f"payment:{payment.pk}",
        )


def _books_show(payment: Payment) -> bool:
    """Every bill in the mirror shows our bill payment and an amount due lowered by it."""
    for allocation in payment.allocations.all():
        bill = Bill.objects.get(pk=allocation.bill_id)
        allocations = BillAllocation.objects.filter(bill=bill)
        ours = (
            payment.codat_bill_payment_id
            and allocations.filter(codat_payment_id=payment.codat_bill_payment_id).exists()
        )
        if not ours and allocations.exists():
            return False
        if bill.amount_due > allocation.amount_due_before - allocation.amount:
            return False
    return True


def _mirror_shows(payments: list[Payment]) -> set[int]:
    """`_books_show` for many payments in three queries: the ids the mirror shows."""
    bill_ids = {a.bill_id for p in payments for a in p.allocations.all()}
    due = dict(Bill.objects.filter(pk__in=bill_ids).values_list("pk", "amount_due"))
    paid_by: dict[int, set[str]] = {}
    for bill_id, codat_payment_id in BillAllocation.objects.filter(
        bill_id__in=bill_ids
    ).values_list("bill_id", "codat_payment_id"):
        paid_by.setdefault(bill_id, set()).add(codat_payment_id)
    shown = set()
    for payment in payments:
        record = payment.codat_bill_payment_id
        if all(
            (not paid_by.get(a.bill_id) or (record and record in paid_by[a.bill_id]))
            and due.get(a.bill_id) is not None
            and due[a.bill_id] <= a.amount_due_before - a.amount
            for a in payment.allocations.all()
        ):
            shown.add(payment.pk)
    return shown


def _later(payment: Payment) -> float | None:
    """The next check with a bounded backoff; None once the delays are used up."""
    delays = settings.PUSH_POLL_DELAYS
    turn = payment.verify_polls
    if turn >= len(delays):
        return None
    Payment.objects.filter(pk=payment.pk).update(verify_polls=turn + 1, updated_at=timezone.now())
    payment.verify_polls = turn + 1
    return delays[turn]


def _within_grace(moment) -> bool:
    grace = settings.PUSH_WEBHOOK_GRACE_SECONDS
    return bool(grace and moment and moment > timezone.now() - timedelta(seconds=grace))
