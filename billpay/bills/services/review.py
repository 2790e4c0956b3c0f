"""Accountant review of bills: pending → approved | rejected (with a reason), and back.

Review is local workflow state, separate from Codat's status; a sync never touches it. Every
change is an audit event (who, when, what), which the bill's activity shows. Several bills can be
approved at once from the inbox (`bills_approve`); rejecting needs a reason per bill, so it is
done one bill at a time.

A bill an approval rule covers (`billpay.approvals`) is approved once every step of its request
is: an "Approve" is then one step, by that step's approver, never by whoever created the bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from billpay.approvals.models import ApprovalRequest
from billpay.approvals.selectors import blocked_ids
from billpay.approvals.services import approval_decide, approval_reopen, approvals_refresh
from billpay.bills import notices
from billpay.bills.approval import bill_subject
from billpay.bills.errors import ReviewReasonRequired
from billpay.bills.models import Bill
from billpay.bills.services.revision import bills_changed
from billpay.core.errors import DomainError
from billpay.core.models import AuditEvent
from billpay.core.services import audit_record

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User


@dataclass(frozen=True)
class BulkApproval:
    approved: int  # bills this call approved
    already: int  # bills that were approved before
    stepped: int = 0  # bills whose approval moved one step and waits for the next approver
    refused: list[str] | None = None  # why a bill could not be approved by this person


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
    if _policy_step(bill, actor, decision, comment):
        return Bill.objects.get(pk=bill.pk)
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


def _policy_step(bill: Bill, actor: User, decision: str, comment: str) -> bool:
    """Take the decision through the bill's approval rule, if one covers it. True when it was
    one step of several: the review waits for the next approver. A new decision on a bill
    already decided starts its approval over; sending the same decision again changes nothing."""
    if bill.review_status == decision == Bill.Review.APPROVED:
        return False
    subject = bill_subject(bill)
    if bill.review_status != Bill.Review.PENDING or decision == Bill.Review.PENDING:
        approval_reopen(company=bill.company, subject=subject)
        if decision == Bill.Review.PENDING:
            return False
    request = approval_decide(
        company=bill.company, actor=actor, subject=subject, decision=decision, comment=comment
    )
    return request is not None and request.status == ApprovalRequest.Status.PENDING


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

    Bills an approval rule covers go one by one through `bill_review` (one step each; a bill
    this person may not approve is counted in `refused`, with the reason).
    **Idempotent:** a bill already approved is left as it is (no second event).
    **Transaction:** one, locking the bills in id order (two bulk approvals cannot deadlock).
    """
    pending = [b for b in bills if b.review_status == Bill.Review.PENDING]
    approvals_refresh(company=company, subjects=[bill_subject(b) for b in pending])
    governed = blocked_ids(
        company=company, kind=ApprovalRequest.Kind.BILL, object_ids=[b.pk for b in pending]
    )
    stepped, done, refused = 0, 0, []
    for bill in (b for b in pending if b.pk in governed):
        try:
            reviewed = bill_review(bill=bill, actor=actor, decision=Bill.Review.APPROVED)
        except DomainError as exc:
            refused.append(f"{bill.supplier_name} {bill.reference}: {exc.message}")
            continue
        if reviewed.review_status == Bill.Review.APPROVED:
            done += 1
        else:
            stepped += 1
    with transaction.atomic():
        locked = list(
            Bill.objects.select_for_update()
            .filter(company=company, pk__in=[b.pk for b in bills if b.pk not in governed])
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
    return BulkApproval(
        approved=len(changed) + done,
        already=len(locked) - len(changed),
        stepped=stepped,
        refused=refused,
    )
