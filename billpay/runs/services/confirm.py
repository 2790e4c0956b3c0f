"""Approving a run, confirming it (every group written back once) and retrying a failed group."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from billpay.approvals.models import ApprovalRequest
from billpay.approvals.services import approval_blocking, approval_decide, blocking_words
from billpay.bills.approval import bills_held
from billpay.bills.models import Bill
from billpay.core.money import format_money
from billpay.core.services import audit_record
from billpay.mapping.services import method_get
from billpay.onboarding.roles import Can, require, two_factor_gate
from billpay.payments.errors import ApprovalRequired
from billpay.payments.models import Payment
from billpay.payments.services import BatchGroup, payment_retry, payments_create_batch
from billpay.runs import notices
from billpay.runs.approval import run_subject
from billpay.runs.errors import OverdrawNotConfirmed, RunChanged, RunInvalid
from billpay.runs.models import PayRun, PayRunGroup
from billpay.runs.selectors import run_bills_needing_approval
from billpay.runs.services.cash import run_shortfalls
from billpay.runs.services.common import refresh_accounts

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

R = PayRun.Status


def run_approve(
    *,
    company: Company,
    actor: User | None,
    run_id: int,
    comment: str = "",
    form_token: uuid.UUID | None = None,
) -> PayRun:
    """Approve the run as a whole: one step of the payment rule that covers it (never by whoever
    prepared it), or, with no rule, what the approval threshold asks of its bills.

    `form_token`, when given, must be the run's current one: the approval is of the run as the
    approver saw it. **Idempotent:** an approved run stays approved.
    **Raises:** NotAllowed (only owners approve; an accountant never approves a run, their own
    included), RunChanged, RunInvalid. **Transaction:** one conditional UPDATE with its event.
    """
    run = PayRun.objects.filter(company=company, pk=run_id).first()
    if run is None:
        raise RunInvalid(gettext("No such pay run."))
    if form_token and run.form_token != form_token:
        raise RunChanged(gettext("This pay run changed since you opened it: check it again."))
    own = run.created_by_id is not None and run.created_by_id == getattr(actor, "pk", None)
    require(
        company,
        actor,
        Can.APPROVE_PAYMENTS,
        gettext("You prepared this pay run: an owner, an admin or an approver approves it.")
        if own
        else "",
    )
    if run.status == R.APPROVED:
        return run
    if run.status != R.DRAFT:
        raise RunInvalid(gettext("This pay run is no longer waiting for approval."))
    request = approval_decide(
        company=company, actor=actor, subject=run_subject(run), decision="approved", comment=comment
    )
    if request is not None and request.status != ApprovalRequest.Status.APPROVED:
        return run  # one step of its rule: the next approver is asked
    filters = {"form_token": form_token} if form_token else {}
    now = timezone.now()
    with transaction.atomic():
        moved = PayRun.objects.filter(pk=run.pk, status=R.DRAFT, **filters).update(
            status=R.APPROVED,
            approved_by=actor,
            approved_at=now,
            approval_comment=comment.strip()[:500],
            updated_at=now,
        )
        if not moved:
            raise RunChanged(gettext("This pay run changed since you opened it: check it again."))
        audit_record(
            company=company,
            actor=actor,
            action="run.approved",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={"comment": comment.strip()[:500]} if comment.strip() else {},
        )
    run.refresh_from_db()
    if request is None and run.status == R.APPROVED and run.approved_at:
        notices.approved(company, actor, run)  # a rule's approval tells them itself
    return run


def run_reject(
    *,
    company: Company,
    actor: User | None,
    run_id: int,
    comment: str,
    form_token: uuid.UUID | None = None,
) -> PayRun:
    """Reject a run an approval rule covers, saying why: it stays a draft that cannot be paid
    until it is changed (which asks for approval again) or discarded.

    **Raises:** NotAllowed, ApprovalCommentRequired, RunChanged, RunInvalid (no rule covers it).
    """
    require(company, actor, Can.APPROVE_PAYMENTS)
    run = PayRun.objects.filter(company=company, pk=run_id).first()
    if run is None:
        raise RunInvalid(gettext("No such pay run."))
    if form_token and run.form_token != form_token:
        raise RunChanged(gettext("This pay run changed since you opened it: check it again."))
    if run.status != R.DRAFT:
        raise RunInvalid(gettext("This pay run is no longer waiting for approval."))
    request = approval_decide(
        company=company, actor=actor, subject=run_subject(run), decision="rejected", comment=comment
    )
    if request is None:
        raise RunInvalid(gettext("No approval rule covers this pay run: discard it instead."))
    return run


def run_confirm(
    *,
    company: Company,
    actor: User | None,
    run_id: int,
    form_token: uuid.UUID,
    confirm_overdraw: bool = False,
    verified: bool | None = None,
) -> PayRun:
    """Confirm the run: one payment per group, each written back once through its push.

    Exactly one of two people confirming at once wins (a conditional UPDATE draft/approved →
    sending); the other gets the run as it now is. The payments are sent now, or scheduled for
    the run's date; Codat is asked to re-read the bills once, when all of them are recorded.
    **Idempotent:** a confirmed run is returned unchanged.
    `verified`: whether the actor's session passed two-step login (None: no session to ask).
    **Raises:** NotAllowed (owners pay; TwoFactorRequired when the company requires two-step
    login and `verified` is False), RunChanged (the run changed since `form_token`),
    ApprovalRequired, OverdrawNotConfirmed, RunInvalid (a currency with no account),
    AmountNotAvailable / PaymentInvalid (a bill changed meanwhile: nothing is sent).
    **Transaction:** one: the run moves and all its payments exist, or nothing happened.
    """
    require(
        company,
        actor,
        Can.CONFIRM_PAYMENTS,
        gettext("Only an owner or an admin can record payments. The pay run is prepared for them."),
    )
    two_factor_gate(company=company, verified=verified)
    run = PayRun.objects.filter(company=company, pk=run_id).first()
    if run is None:
        raise RunInvalid(gettext("No such pay run."))
    if not run.is_editable:
        return run
    if run.form_token != form_token:
        raise RunChanged(gettext("This pay run changed since you opened it: check it again."))
    _, label, _kind = method_get(run.method)
    if refresh_accounts(company, run):
        PayRun.objects.filter(pk=run.pk).update(form_token=uuid.uuid4())
        raise RunChanged(gettext("The accounts that pay this run changed: check them again."))
    groups = list(run.groups.select_related("account").prefetch_related("lines"))
    missing = sorted({g.currency for g in groups if g.account_id is None})
    if missing:
        raise RunInvalid(
            gettext(
                "No account is set up to pay %(currencies)s bills by %(method)s. An owner maps "
                "one under Payment accounts."
            )
            % {"currencies": ", ".join(missing), "method": label}
        )
    _approval_gate(company, actor, run)
    overdraws = [s for s in run_shortfalls(company, run) if s.overdraws]
    if overdraws and not confirm_overdraw:
        accounts = ", ".join(
            gettext("%(account)s by %(amount)s")
            % {"account": s.account.name, "amount": format_money(-s.after, s.currency)}
            for s in overdraws
        )
        raise OverdrawNotConfirmed(
            gettext(
                "This run would overdraw %(accounts)s. Tick the box to say you will have "
                "the money there, then confirm again."
            )
            % {"accounts": accounts}
        )
    now = timezone.now()
    with transaction.atomic():
        moved = PayRun.objects.filter(
            pk=run.pk, status__in=PayRun.EDITABLE, form_token=form_token
        ).update(
            status=R.SENDING,
            confirmed_by=actor,
            confirmed_at=now,
            overdraw_confirmed=bool(overdraws),
            refresh_requested_at=None,
            verify_state={},
            verify_polls=0,
            updated_at=now,
        )
        if not moved:  # someone else confirmed (or changed) it first: they win
            run.refresh_from_db()
            return run
        payments = payments_create_batch(
            company=company,
            actor=actor,
            method=run.method,
            payment_date=run.payment_date,
            groups=[
                BatchGroup(
                    bill_ids=[line.bill_id for line in g.lines.all()],
                    amounts={line.bill_id: line.amount for line in g.lines.all()},
                    account=g.account,
                    across_suppliers=not g.codat_supplier_id,
                    supplier_name=g.supplier_name,
                )
                for g in groups
            ],
        )
        for group, payment in zip(groups, payments, strict=True):
            group.payment = payment
        PayRunGroup.objects.bulk_update(groups, ["payment"])
        audit_record(
            company=company,
            actor=actor,
            action="run.confirmed",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={
                "payments": len(payments),
                "bills": run.bill_count,
                "date": run.payment_date.isoformat(),
                "overdraw_confirmed": bool(overdraws),
            },
        )
    run.refresh_from_db()
    return run


def run_retry_group(*, company: Company, actor: User | None, run_id: int, group_id: int) -> PayRun:
    """Send a failed group's payment again (a new push), exactly once.

    **Raises:** NotAllowed, RunInvalid (the group has not failed: e.g. a second retry while the
    first is on its way), AmountNotAvailable. **Transaction:** one: the run is paying again and
    the payment is sending, or neither.
    """
    require(company, actor, Can.CONFIRM_PAYMENTS)
    group = (
        PayRunGroup.objects.select_related("run", "payment")
        .filter(company=company, run_id=run_id, pk=group_id)
        .first()
    )
    if group is None or group.payment is None:
        raise RunInvalid(gettext("No such payment in this pay run."))
    if group.payment.status != Payment.Status.FAILED:
        raise RunInvalid(
            gettext("The payment to %(supplier)s has not failed: there is nothing to retry.")
            % {"supplier": group.supplier_name}
        )
    with transaction.atomic():
        PayRun.objects.filter(pk=run_id, status__in=[R.SENDING, R.ATTENTION]).update(
            status=R.SENDING, completed_at=None, verify_polls=0, updated_at=timezone.now()
        )
        payment = payment_retry(
            company=company, actor=actor, payment_id=group.payment_id, approval_given=True
        )
        if payment.status != Payment.Status.SENDING:
            # Another retry moved it first: raising undoes the run's move with this transaction.
            raise RunInvalid(
                gettext("The payment to %(supplier)s is already being sent again.")
                % {"supplier": group.supplier_name}
            )
        audit_record(
            company=company,
            actor=actor,
            action="run.group_retried",
            target=f"Pay run {run_id}",
            ref=f"run:{run_id}",
            data={"payment": payment.reference, "attempt": payment.attempt},
        )
    return PayRun.objects.get(pk=run_id)


def _approval_gate(company: Company, actor: User | None, run: PayRun) -> None:
    """Bills a bill rule holds are approved first, one by one; then a run a payment rule covers
    needs that rule's approvals, and a run with bills over the threshold an approval."""
    bills = list(Bill.objects.filter(company=company, pk__in=run.lines.values("bill_id")))
    held_ids = bills_held(company=company, bills=bills)
    held = [b for b in bills if b.pk in held_ids]
    if held:
        raise ApprovalRequired(
            gettext(
                "Approve %(bills)s first: your approval rules ask for these bills to be approved "
                "before they are paid."
            )
            % {"bills": ", ".join(f"{b.supplier_name} {b.reference}".strip() for b in held)}
        )
    if run.status == R.APPROVED:
        return
    request = approval_blocking(company=company, subject=run_subject(run))
    if request is not None:
        lead = gettext("This pay run needs approval before it is paid.")
        raise ApprovalRequired(blocking_words(company=company, request=request, lead=lead))
    blocked = run_bills_needing_approval(company=company, run=run)
    if not blocked:
        return
    audit_record(
        company=company,
        actor=actor,
        action="run.approval_required",
        target=f"Pay run {run.pk}",
        ref=f"run:{run.pk}",
        data={"bills": [b.codat_bill_id for b in blocked]},
    )
    notices.approval_requested(company, actor, run)
    raise ApprovalRequired(
        ngettext(
            "An owner, an admin or an approver must approve this pay run first: %(count)d of "
            "its bills needs approval under your payment settings.",
            "An owner, an admin or an approver must approve this pay run first: %(count)d of "
            "its bills need approval under your payment settings.",
            len(blocked),
        )
        % {"count": len(blocked)}
    )
