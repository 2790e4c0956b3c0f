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
from billpay.core.models import AuditEvent
from billpay.core.services import audit_record

if TYPE_CHECKING:
    from billpay.onboarding.models import User


def bill_review(*, bill: Bill, actor: User, decision: str, reason: str = "") -> Bill:
    """Approve, reject (reason required) or reset a bill's review. A comment typed with any
    decision is kept in the bill's activity; a rejection's is also the bill's review reason.

    **Raises:** ReviewReasonRequired. **Idempotent:** the same decision twice is one event; a
    comment typed with the repeated decision is kept as a note (once, if the form is sent twice).
    """
    comment = reason.strip()
    if decision == Bill.Review.REJECTED and not comment:
        raise ReviewReasonRequired("Say why the bill is rejected, so the owner knows what to fix.")
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk, company=bill.company)
        kept_reason = comment if decision == Bill.Review.REJECTED else ""
        # Rejections carry their reason as before; other decisions their comment, if any.
        data = {"reason": kept_reason}
        if comment and decision != Bill.Review.REJECTED:
            data["comment"] = comment
        if locked.review_status == decision and locked.review_reason == kept_reason:
            # The decision stands (one event per decision); a new comment is kept as a note.
            if "comment" in data and not _is_last_note(locked, comment):
                bill_note_add(bill=locked, actor=actor, text=comment)
            return locked
        locked.review_status = decision
        locked.review_reason = kept_reason
        locked.reviewed_by = actor if decision != Bill.Review.PENDING else None
        locked.reviewed_at = timezone.now() if decision != Bill.Review.PENDING else None
        locked.save(update_fields=["review_status", "review_reason", "reviewed_by", "reviewed_at"])
        _review_event(locked, actor, decision, data)
    return locked


def _review_event(bill: Bill, actor: User, decision: str, data: dict) -> None:
    audit_record(
        company=bill.company,
        actor=actor,
        action=f"bill.review.{decision}",
        target=str(bill),
        ref=f"bill:{bill.pk}",
        data=data,
    )


def _is_last_note(bill: Bill, text: str) -> bool:
    """A double-submitted form: the bill's latest event is already this note."""
    last = AuditEvent.objects.filter(company=bill.company, ref=f"bill:{bill.pk}").first()
    return last is not None and (last.action, last.data) == ("bill.note", {"text": text[:2000]})


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
