"""The write-back: claim, push, follow (webhook or poll), look up after unknown outcomes, verify.

See the package docstring for the state machine. Every Codat call here runs outside any
transaction: the claim and each recorded outcome are short transactions of their own.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from billpay.bills.models import Bill, BillAllocation, SyncRun
from billpay.codat import get_codat_client
from billpay.codat.errors import (
    CodatConflictError,
    CodatError,
    CodatOutcomeUnknownError,
    CodatTransientError,
)
from billpay.codat.serialize import loads
from billpay.core.errors import DomainError
from billpay.core.services import audit_record
from billpay.onboarding.models import AccountingConnection
from billpay.payments.models import Payment, PaymentEvent
from billpay.payments.services.common import enqueue, poll_later, transition

logger = logging.getLogger(__name__)
S = Payment.Status
# Push history is searched from a little before the claim: clocks differ.
CLOCK_SKEW = timedelta(minutes=2)


def payment_write_back(*, payment_id: int) -> Payment | None:
    """Push a queued payment to the books as a bill payment.

    **Idempotent:** claims queued → submitting with a conditional UPDATE; a payment claimed
    elsewhere is left alone, one whose claim went stale (its worker died) is looked up in the
    books instead of being pushed again. **Raises:** CodatTransientError (back to queued).
    **Transaction:** none around the push.
    """
    payment = Payment.objects.select_related("company").filter(pk=payment_id).first()
    if payment is None:
        return None
    if payment.status == S.SUBMITTING and _stale(payment):
        transition(payment, [S.SUBMITTING], S.CHECKING, lookup={}, poll_count=0,
                   message="The last attempt was interrupted: checking your books before "
                   "sending anything again")  # fmt: skip
    if payment.status == S.CHECKING:
        return payment_lookup(payment_id=payment.pk)
    now = timezone.now()
    claimed = Payment.objects.filter(pk=payment.pk, status=S.QUEUED).update(
        status=S.SUBMITTING, claimed_at=now, updated_at=now, attempt=F("attempt") + 1
    )
    if not claimed:
        return payment
    PaymentEvent.objects.create(
        company_id=payment.company_id, payment=payment, status=S.SUBMITTING,
        message="Sending to your books",
    )  # fmt: skip
    payment.refresh_from_db()
    try:
        connection = _connection(payment.company)
        with get_codat_client() as client:
            op = client.create_bill_payment(
                company_id=payment.company.codat_company_id,
                connection_id=connection.codat_connection_id,
                bill_payment=loads(payment.request_body),
                idempotency_key=str(payment.idempotency_key),
            )
    except CodatTransientError as exc:
        # Nothing reached Codat (or it answered 429, which it never caches): try again later.
        transition(payment, [S.SUBMITTING], S.QUEUED, message=exc.user_message)
        raise
    except (CodatOutcomeUnknownError, CodatConflictError) as exc:
        # Sent, but no answer (or "this key is still in flight"): find out before re-sending.
        transition(payment, [S.SUBMITTING], S.CHECKING, message=exc.user_message, lookup={},
                   poll_count=0)  # fmt: skip
        enqueue("payment_lookup_task", payment_id=payment.pk, countdown=_first_delay())
        return payment
    except (CodatError, DomainError) as exc:
        _push_failed(
            payment, getattr(exc, "user_message", str(exc)), getattr(exc, "validation", ())
        )
        return payment
    _record_submitted(payment, op)
    return payment


def payment_follow(*, payment_id: int, now: bool = False) -> Payment | None:
    """Poll the push operation of a submitted payment (the webhook's fallback).

    **Idempotent:** only a submitted payment is polled; outcomes are conditional transitions.
    **Raises:** CodatTransientError.
    """
    payment = Payment.objects.select_related("company").filter(pk=payment_id).first()
    if payment is None or payment.status != S.SUBMITTED:
        return payment
    if not now and _within_grace(payment.submitted_at):
        # With webhooks the outcome usually arrives first; don't spend a Codat call yet.
        poll_later(payment, "payment_follow_task")
        return payment
    with get_codat_client() as client:
        op = client.get_push_operation(
            company_id=payment.company.codat_company_id,
            push_operation_key=payment.push_operation_key,
        )
    _apply_push_status(payment, op.status, op.record_id, op.error_message, op.validation.errors)
    return payment


def payment_write_event(*, event: Any) -> None:
    """Webhook `billPayments.write.*`: record the outcome of one of our pushes.

    **Idempotent:** webhooks repeat; each outcome is a conditional transition.
    """
    body = event.payload.get("payload") or {}
    payment = (
        Payment.objects.select_related("company")
        .filter(company=event.company, push_operation_key=body.get("id") or "-")
        .first()
    )
    if payment is None:
        return
    status = body.get("status")
    if status == "Failed":
        # The webhook carries no validation details: fetch them to tell the user why.
        if payment.status == S.SUBMITTED:
            payment_follow(payment_id=payment.pk, now=True)
        return
    record_id = (body.get("record") or {}).get("id")
    _apply_push_status(payment, status, record_id, None, ())


def payment_lookup(*, payment_id: int) -> Payment | None:
    """After an unknown outcome: find the payment in the books, or safely send it again.

    Order: our push operation (if we have its key) → bill payments with our reference →
    wait while push history holds unattributed pending pushes → refresh Codat's copy of the
    bill payments → search again; not there → a new attempt (new key) is queued.
    **Idempotent:** only a checking payment is looked up. **Raises:** CodatTransientError.
    """
    payment = Payment.objects.select_related("company").filter(pk=payment_id).first()
    if payment is None or payment.status != S.CHECKING:
        return payment
    company = payment.company
    state = dict(payment.lookup or {})
    with get_codat_client() as client:
        if payment.push_operation_key and not state.get("op_final"):
            op = client.get_push_operation(
                company_id=company.codat_company_id, push_operation_key=payment.push_operation_key
            )
            if op.status != "TimedOut":
                _apply_push_status(payment, op.status, op.record_id, op.error_message,
                                   op.validation.errors, lookup_task=True)  # fmt: skip
                return payment
            # Timed out: the write may still have reached the books. Search them.
            state["op_final"] = True
        refreshed = False
        if state.get("refreshed_at"):
            if state.get("pull_id"):
                pull = client.get_pull_operation(
                    company_id=company.codat_company_id, dataset_id=state["pull_id"]
                )
                if not pull.is_completed:
                    return _wait(payment, state)
            refreshed = True
        found = next(
            iter(client.list_bill_payments(
                company_id=company.codat_company_id,
                query=f"reference={payment.reference}", page_size=5,
            )), None,
        )  # fmt: skip
        if found is not None:
            _push_succeeded(payment, found.id, message="Found in your books")
            return payment
        if not refreshed:
            if _unattributed_pending(client, payment):
                return _wait(payment, state)
            try:
                pull = client.refresh_data_type(
                    company_id=company.codat_company_id, data_type="billPayments"
                )
            except (CodatConflictError, CodatOutcomeUnknownError):
                return _wait(payment, state)  # a refresh is running: ask again shortly
            state.update(refreshed_at=timezone.now().isoformat(), pull_id=pull.id)
            return _wait(payment, state)
    # Searched after a refresh that began once none of our pushes could still be pending:
    # the books do not have this payment, so sending it again cannot duplicate it.
    if transition(
        payment, [S.CHECKING], S.QUEUED, idempotency_key=uuid.uuid4(), lookup={}, poll_count=0,
        push_operation_key="", message="Not in your books: sending it again",
    ):  # fmt: skip
        enqueue("payment_write_back_task", payment_id=payment.pk)
    return payment


def payment_verify(*, payment_id: int) -> Payment | None:
    """Mark a recorded payment verified once the mirrored bills show the lower amount due.

    Queues a bills refresh at Codat, waits for it, syncs the bills, then compares.
    **Idempotent:** only a pending payment is checked. **Raises:** CodatTransientError.
    """
    from billpay.bills.services import bills_sync, sync_request

    payment = Payment.objects.select_related("company").filter(pk=payment_id).first()
    if payment is None or payment.status != S.PENDING:
        return payment
    if _books_show(payment):
        return _verified(payment)
    state = dict(payment.lookup or {})
    if payment.refresh_requested_at is None:
        _request_bills_refresh(payment)
        poll_later(payment, "payment_verify_task")
        return payment
    if _within_grace(payment.refresh_requested_at):
        poll_later(payment, "payment_verify_task")  # read.completed → sync usually lands first
        return payment
    if state.get("bills_pull_id"):
        with get_codat_client() as client:
            pull = client.get_pull_operation(
                company_id=payment.company.codat_company_id, dataset_id=state["bills_pull_id"]
            )
        if not pull.is_completed:
            poll_later(payment, "payment_verify_task")
            return payment
    run = sync_request(company=payment.company, trigger=SyncRun.Trigger.WEBHOOK,
                       data_types=["bills"], enqueue=False)  # fmt: skip
    bills_sync(run_id=run.pk)
    if _books_show(payment):
        return _verified(payment)
    # The refresh we waited for predates the write reaching the books: ask for another.
    Payment.objects.filter(pk=payment.pk).update(refresh_requested_at=None)
    payment.refresh_requested_at = None
    poll_later(payment, "payment_verify_task")
    return payment


def payment_task_failed(*, payment_id: int, reason: str) -> None:
    """A write-back task gave up: fail it if nothing was sent, else look it up. **Idempotent.**"""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return
    if payment.status == S.QUEUED:
        _push_failed(payment, reason, ())
    elif payment.status == S.SUBMITTING:
        # The push may have been sent: never fail (and release) it without looking first.
        transition(payment, [S.SUBMITTING], S.CHECKING, message=reason, lookup={}, poll_count=0)


# --- internals ------------------------------------------------------------------------------


def _record_submitted(payment: Payment, op: Any) -> None:
    if transition(
        payment, [S.SUBMITTING], S.SUBMITTED, push_operation_key=op.push_operation_key,
        submitted_at=timezone.now(), poll_count=0, message="Sent to your books",
    ):  # fmt: skip
        audit_record(
            company=payment.company, actor=None, action="payment.submitted",
            target=payment.reference, ref=f"payment:{payment.pk}",
            data={"push_operation_key": op.push_operation_key, "attempt": payment.attempt},
        )  # fmt: skip
    _apply_push_status(payment, op.status, op.record_id, op.error_message, op.validation.errors)


def _apply_push_status(payment, status, record_id, error_message, validation, lookup_task=False):
    follow = "payment_lookup_task" if lookup_task else "payment_follow_task"
    if status == "Success":
        _push_succeeded(payment, record_id or "", message="Recorded in your books")
    elif status == "Failed":
        _push_failed(payment, error_message or "", validation)
    elif status == "TimedOut":
        if transition(payment, [S.SUBMITTED], S.CHECKING, lookup={"op_final": True}, poll_count=0,
                      message="Your books did not confirm in time: checking whether the payment "
                      "was recorded"):  # fmt: skip
            enqueue("payment_lookup_task", payment_id=payment.pk, countdown=_first_delay())
    else:
        poll_later(payment, follow)


def _push_succeeded(payment: Payment, record_id: str, *, message: str) -> None:
    if not transition(
        payment, [S.SUBMITTING, S.SUBMITTED, S.CHECKING], S.PENDING,
        codat_bill_payment_id=record_id, completed_at=timezone.now(), poll_count=0,
        refresh_requested_at=None, message=message,
    ):  # fmt: skip
        return
    audit_record(
        company=payment.company, actor=None, action="payment.recorded", target=payment.reference,
        ref=f"payment:{payment.pk}", data={"bill_payment_id": record_id},
    )  # fmt: skip
    _request_bills_refresh(payment)
    poll_later(payment, "payment_verify_task")


def _push_failed(payment: Payment, error_message: str, validation) -> None:
    details = [getattr(v, "message", None) for v in validation or ()]
    details = [d for d in details if d]
    if details:
        reason = "Your books rejected this payment: " + " ".join(details)
    else:
        reason = error_message or "Your books rejected this payment."
    errors = [{"field": getattr(v, "item_id", "") or "", "message": getattr(v, "message", "") or ""}
              for v in validation or ()]  # fmt: skip
    if transition(
        payment, [S.QUEUED, S.SUBMITTING, S.SUBMITTED, S.CHECKING], S.FAILED,
        status_reason=reason, validation_errors=errors, message=reason,
    ):  # fmt: skip
        audit_record(
            company=payment.company, actor=None, action="payment.failed", target=payment.reference,
            ref=f"payment:{payment.pk}", data={"reason": reason},
        )  # fmt: skip


def _verified(payment: Payment) -> Payment:
    if transition(payment, [S.PENDING], S.VERIFIED, verified_at=timezone.now(),
                  message="Verified in your books"):  # fmt: skip
        audit_record(
            company=payment.company, actor=None, action="payment.verified",
            target=payment.reference, ref=f"payment:{payment.pk}",
        )  # fmt: skip
    return payment


def _request_bills_refresh(payment: Payment) -> None:
    """Ask Codat to re-read the bills (its cache does not change on a push)."""
    state = dict(payment.lookup or {})
    # A refresh asked for (by another payment) after ours was recorded shows ours too: when
    # many payments land together, one refresh serves them all (Codat would 409 the rest).
    recorded = (payment.completed_at or timezone.now()).isoformat()
    others = (
        Payment.objects.filter(
            company_id=payment.company_id, status=S.PENDING, lookup__has_key="bills_pull_at"
        )
        .exclude(pk=payment.pk)
        .order_by("-refresh_requested_at")
        .values_list("lookup", flat=True)[:20]
    )
    shared = next(
        (o for o in others if o.get("bills_pull_id") and o["bills_pull_at"] >= recorded), None
    )
    if shared:
        state.update(bills_pull_id=shared["bills_pull_id"], bills_pull_at=shared["bills_pull_at"])
        now = timezone.now()
        Payment.objects.filter(pk=payment.pk).update(refresh_requested_at=now, lookup=state)
        payment.refresh_requested_at, payment.lookup = now, state
        return
    asked = timezone.now().isoformat()  # before sending: the pull starts no earlier than this
    try:
        with get_codat_client() as client:
            pull = client.refresh_data_type(
                company_id=payment.company.codat_company_id, data_type="bills"
            )
        state.update(bills_pull_id=pull.id, bills_pull_at=asked)
    except (CodatConflictError, CodatOutcomeUnknownError):
        state.pop("bills_pull_id", None)  # one is already running (or probably is)
        state.pop("bills_pull_at", None)
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(refresh_requested_at=now, lookup=state)
    payment.refresh_requested_at, payment.lookup = now, state


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


def _unattributed_pending(client: Any, payment: Payment) -> bool:
    """Whether push history holds a pending bill payment push that no payment of ours owns."""
    since = (payment.claimed_at or payment.created_at) - CLOCK_SKEW
    known = set(
        Payment.objects.filter(company_id=payment.company_id)
        .exclude(push_operation_key="")
        .values_list("push_operation_key", flat=True)
    )
    ops = client.list_push_operations(
        company_id=payment.company.codat_company_id,
        query=f"dataType=billPayments&&requestedOnUtc>={since:%Y-%m-%dT%H:%M:%SZ}",
    )
    return any(op.status == "Pending" and op.push_operation_key not in known for op in ops)


def _wait(payment: Payment, state: dict) -> Payment:
    Payment.objects.filter(pk=payment.pk).update(lookup=state)
    payment.lookup = state
    if not poll_later(payment, "payment_lookup_task"):
        logger.warning("payment %s: lookup still undecided after every poll", payment.pk)
    return payment


def _stale(payment: Payment) -> bool:
    cutoff = timezone.now() - timedelta(seconds=settings.PAYMENT_STALE_CLAIM_SECONDS)
    return payment.claimed_at is None or payment.claimed_at <= cutoff


def _within_grace(moment) -> bool:
    grace = settings.PAYMENT_WEBHOOK_GRACE_SECONDS
    return bool(grace and moment and moment > timezone.now() - timedelta(seconds=grace))


def _first_delay() -> float:
    return settings.PAYMENT_POLL_DELAYS[0] if settings.PAYMENT_POLL_DELAYS else 2


def _connection(company: Any) -> AccountingConnection:
    connection = AccountingConnection.objects.filter(company=company).first()
    if connection is None or not connection.is_linked or not company.codat_company_id:
        raise DomainError("Connect your accounting software before paying bills.")
    return connection
