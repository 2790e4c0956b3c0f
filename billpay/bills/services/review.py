"""Accountant review of bills: pending → approved | rejected (with a reason), and back.

Review is local workflow state, separate from Codat's status; a sync never touches it. Every
change is an audit event (who, when, what), which the bill's activity shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from billpay.bills.errors import ReviewReasonRequired
from billpay.bills.models import Bill
from billpay.core.services import audit_record

if TYPE_CHECKING:
    from billpay.onboarding.models import User


def bill_review(*, bill: Bill, actor: User, decision: str, reason: str = "") -> Bill:
    """Approve, reject (reason required) or reset a bill's review.

    **Raises:** ReviewReasonRequired. **Idempotent:** the same decision twice is one event.
    """
    reason = reason.strip()
    if decision == Bill.Review.REJECTED and not reason:
        raise ReviewReasonRequired("Say why the bill is rejected, so the owner knows what to fix.")
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk, company=bill.company)
        kept_reason = reason if decision == Bill.Review.REJECTED else ""
        if locked.review_status == decision and locked.review_reason == kept_reason:
            return locked
        locked.review_status = decision
        locked.review_reason = kept_reason
        locked.reviewed_by = actor if decision != Bill.Review.PENDING else None
        locked.reviewed_at = timezone.now() if decision != Bill.Review.PENDING else None
        locked.save(update_fields=["review_status", "review_reason", "reviewed_by", "reviewed_at"])
        audit_record(
            company=locked.company,
            actor=actor,
            action=f"bill.review.{decision}",
            target=str(locked),
            ref=f"bill:{locked.pk}",
            data={"reason": locked.review_reason},
        )
    return locked


def bill_note_add(*, bill: Bill, actor: User, text: str) -> None:
    """Add a note to the bill's activity. **Transaction:** joins the caller's."""
    audit_record(
        company=bill.company,
        actor=actor,
        action="bill.note",
        target=str(bill),
        ref=f"bill:{bill.pk}",
        data={"text": text.strip()[:2000]},
    )
