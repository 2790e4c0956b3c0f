"""Whom the approvals engine tells, and what (through notifications.tasks.notify: after commit,
once per event and recipient)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_noop

from billpay.approvals.models import ApprovalRequest
from billpay.core.words import Money, phrase
from billpay.notifications.models import Kind
from billpay.notifications.tasks import notify

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

PAGES = {
    ApprovalRequest.Kind.BILL: "bills:bill-detail",
    ApprovalRequest.Kind.PAYMENT: "payments:payment-detail",
    ApprovalRequest.Kind.RUN: "runs:run-detail",
}
ASKS = {
    ApprovalRequest.Kind.BILL: gettext_noop("Please approve the bill %(what)s (%(amount)s)."),
    ApprovalRequest.Kind.PAYMENT: gettext_noop("Please approve the payment %(what)s (%(amount)s)."),
    ApprovalRequest.Kind.RUN: gettext_noop("Please approve the pay run %(what)s (%(amount)s)."),
}


def page_url(request: ApprovalRequest) -> str:
    return reverse(PAGES[request.kind], args=[request.object_id])


def _amount(request: ApprovalRequest) -> Money:
    return Money(request.amount, request.currency)


def requested(company: Company, request: ApprovalRequest, deciders: list[int]) -> None:
    """The step waiting: who may decide it is asked (once per request and step)."""
    notify(
        company=company,
        kind=Kind.APPROVAL_REQUESTED,
        event_key=f"approval:{request.pk}:step:{request.step}",
        recipients=deciders,
        message=phrase(ASKS[request.kind], what=request.label, amount=_amount(request)),
        url=page_url(request),
    )


def decided(company: Company, request: ApprovalRequest, actor: User, comment: str) -> None:
    """Approved (every step) or rejected: whoever asked for it is told."""
    approved = request.status == ApprovalRequest.Status.APPROVED
    message = (
        phrase(
            gettext_noop("%(what)s is approved (%(amount)s)."),
            what=request.label,
            amount=_amount(request),
        )
        if approved
        else phrase(
            gettext_noop("%(who)s rejected %(what)s: %(comment)s"),
            who=str(actor),
            what=request.label,
            comment=comment,
        )
    )
    notify(
        company=company,
        kind=Kind.DECIDED,
        event_key=f"approval:{request.pk}:{request.status}",
        recipients=[request.requested_by_id],
        message=message,
        url=page_url(request),
    )
