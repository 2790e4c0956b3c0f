"""Payments under approval policies (issue 15, point 2): how the engine sees a payment.

A single payment a payment rule covers cannot be recorded until every step of its request is
approved, never by whoever prepared it; a rejection cancels the payment (its amounts are free
again) with the approver's comment. A pay run's payments are approved with their run
(`billpay.runs.approval`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from billpay.approvals.errors import ApprovalClosed
from billpay.approvals.models import ApprovalRequest
from billpay.approvals.services import approval_blocking, approval_decide, blocking_words
from billpay.approvals.subjects import Part, Subject
from billpay.core.services import audit_record
from billpay.core.words import phrase, store
from billpay.onboarding.roles import Can, require
from billpay.payments.errors import ApprovalRequired
from billpay.payments.models import Payment
from billpay.payments.services.checks import payment_target
from billpay.payments.services.common import transition

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

KIND = ApprovalRequest.Kind.PAYMENT
S = Payment.Status


def payment_subject(payment: Payment) -> Subject:
    return Subject(
        kind=KIND,
        object_id=payment.pk,
        label=f"{payment.supplier_name} {payment.reference}".strip(),
        amount=payment.total_amount,
        currency=payment.currency,
        parts=(Part(payment.total_amount, payment.currency, payment.codat_supplier_id),),
        requested_by_id=payment.created_by_id,
        terms=f"{payment.payment_date} {payment.codat_account_id}",
    )


def payments_open(company: Company) -> list[Subject]:
    """Prepared payments not yet recorded (a pay run's are approved with their run)."""
    drafts = Payment.objects.filter(company=company, status=S.DRAFT, run_group__isnull=True)
    return [payment_subject(p) for p in drafts]


def payment_policy_gate(company: Company, payment: Payment) -> None:
    """Refuse to record a payment its rule still holds back, saying who it waits for."""
    request = approval_blocking(company=company, subject=payment_subject(payment))
    if request is not None:
        lead = gettext("This payment needs approval before it is recorded.")
        raise ApprovalRequired(blocking_words(company=company, request=request, lead=lead))


def payment_decide(
    *,
    company: Company,
    actor: User,
    object_id: int,
    decision: str,
    comment: str,
    form_token: object = None,
) -> None:
    """Approve or reject a prepared payment (one step of its rule). A rejection cancels it.

    **Raises:** NotAllowed, ApprovalClosed, ApprovalCommentRequired.
    """
    require(company, actor, Can.APPROVE_PAYMENTS)
    payment = Payment.objects.get(company=company, pk=object_id)
    if payment.status != S.DRAFT:
        raise ApprovalClosed(gettext("This payment is no longer waiting for approval."))
    request = approval_decide(
        company=company,
        actor=actor,
        subject=payment_subject(payment),
        decision=decision,
        comment=comment,
    )
    if request is None:
        raise ApprovalClosed(gettext("This payment does not need approval."))
    if request.status != ApprovalRequest.Status.REJECTED:
        return
    reason = phrase(
        gettext_noop("Rejected by %(who)s: %(comment)s"), who=str(actor), comment=comment
    )
    with transaction.atomic():
        if transition(
            payment,
            [S.DRAFT],
            S.CANCELLED,
            actor=actor,
            message=reason,
            **store("status_reason", reason),
        ):
            audit_record(
                company=company,
                actor=actor,
                action="payment.cancelled",
                target=payment_target(payment),
                ref=f"payment:{payment.pk}",
                data={"rejected": True},
            )
