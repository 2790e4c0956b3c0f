"""Accountant review of bills: pending → approved | rejected (with a reason), and back.

Review is local workflow state, separate from Codat's status; a sync never touches it. Every
change is an audit event (who, when, what), which the bill's activity shows. Several bills can be
approved at once from the inbox (`bills_approve`); rejecting needs a reason per bill, so it is
done one bill at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from billpay.bills import notices
from billpay.bills.errors import ReviewReasonRequired
from billpay.bills.models import Bill
from billpay.bills.services.revision import bills_changed
from billpay.core.models import AuditEvent
from billpay.core.services import audit_record

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User


@dataclass(frozen=True)
class BulkApproval:
    approved: int  # bills this call approved
    already: int  # bills that were approved before


def bill_review(*, bill: Bill, actor: User, decision: str, reason: str = "") -> Bill:
    """Approve, reject (reason required) or reset a bill's review. A comment typed with any
    decision is kept in the bill's activity; a rejection's is also the bill's review reason.

    **Raises:** ReviewReasonRequired. **Idempotent:** the same decision twice is one event; a
    comment typed with the repeated decision is kept as a note (once, if the form is sent twice).
    """
    comment = reason.strip()
    if decision == Bill.Review.REJECTED and not comment:
        raise ReviewReasonRequired(
            gettext("Say why the bill is rejected, so the owner knows what to fix.")
        )
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
        bills_changed(company_id=locked.company_id)
        _review_event(locked.company, locked, actor, decision, data)
        notices.review_decided(locked, actor, decision, kept_reason)
    return locked


def _review_event(company: Company, bill: Bill, actor: User, decision: str, data: dict) -> None:
    audit_record(
        company=company,
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


def bills_approve(*, company: Company, actor: User, bills: list[Bill]) -> BulkApproval:
    """Approve several bills of the company at once, one audit event per bill approved.

    **Idempotent:** a bill already approved is left as it is (no second event).
    **Transaction:** one, locking the bills in id order (two bulk approvals cannot deadlock).
    """
    with transaction.atomic():
        locked = list(
            Bill.objects.select_for_update()
            .filter(company=company, pk__in=[b.pk for b in bills])
            .order_by("pk")
        )
        now = timezone.now()
        changed = [b for b in locked if b.review_status != Bill.Review.APPROVED]
        for bill in changed:
            bill.review_status = Bill.Review.APPROVED
            bill.review_reason = ""
            bill.reviewed_by = actor
            bill.reviewed_at = now
            data = {"reason": "", "bulk": True}
            _review_event(company, bill, actor, Bill.Review.APPROVED, data)
        Bill.objects.bulk_update(
            changed, ["review_status", "review_reason", "reviewed_by", "reviewed_at"]
        )
        if changed:
            bills_changed(company_id=company.pk)
    return BulkApproval(approved=len(changed), already=len(locked) - len(changed))
