"""Bills under approval policies (issue 15, point 2): how the engine sees a bill.

A bill a bill rule covers is approved (its review) only once every step of its request is: the
review's "Approve" is one step, by one of the step's approvers, never by whoever created the bill.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billpay.approvals.models import ApprovalRequest
from billpay.approvals.services import approvals_refresh
from billpay.approvals.subjects import Part, Subject
from billpay.bills.models import Bill

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

KIND = ApprovalRequest.Kind.BILL


def bill_subject(bill: Bill) -> Subject:
    return Subject(
        kind=KIND,
        object_id=bill.pk,
        label=f"{bill.supplier_name} {bill.reference}".strip() or str(bill.pk),
        amount=bill.total_amount,
        currency=bill.currency,
        parts=(Part(bill.total_amount, bill.currency, bill.codat_supplier_id),),
        requested_by_id=bill.created_by_id,
    )


def bills_open(company: Company) -> list[Subject]:
    """The bills waiting for review that still have something to pay."""
    bills = Bill.objects.filter(
        company=company, review_status=Bill.Review.PENDING, is_deleted=False, amount_due__gt=0
    ).only(
        "pk",
        "supplier_name",
        "reference",
        "total_amount",
        "currency",
        "codat_supplier_id",
        "created_by_id",
    )
    return [bill_subject(b) for b in bills]


def bills_approvals_refresh(*, company: Company) -> None:
    """After a sync: the bills to review follow the rules (new bills get their requests)."""
    from billpay.approvals.selectors import rules_list

    if not rules_list(company=company, applies_to="bills"):
        return
    approvals_refresh(company=company, subjects=bills_open(company), every=[KIND])


def bill_decide(
    *,
    company: Company,
    actor: User,
    object_id: int,
    decision: str,
    comment: str,
    form_token: object = None,
) -> None:
    """The "Waiting for me" list's decision on a bill: the bill's review does it."""
    from billpay.bills.services.review import bill_review

    bill = Bill.objects.get(company=company, pk=object_id)
    bill_review(bill=bill, actor=actor, decision=decision, reason=comment)


def bills_held(*, company: Company, bills: list[Bill]) -> set[int]:
    """The bills among these whose approval rule still holds them back (waiting or rejected):
    they cannot be paid yet, whatever the payment settings' threshold says."""
    pending = [b for b in bills if b.review_status == Bill.Review.PENDING]
    if not pending:
        return set()
    approvals_refresh(company=company, subjects=[bill_subject(b) for b in pending])
    from billpay.approvals.selectors import blocked_ids

    return blocked_ids(company=company, kind=KIND, object_ids=[b.pk for b in pending])


def supplier_choices(company: Company) -> list[tuple[str, str]]:
    """The suppliers a rule may be for: (codat id, name), by name."""
    from billpay.bills.models import Supplier

    rows = Supplier.objects.filter(company=company, is_deleted=False).order_by("name", "pk")
    return [
        (codat_id, name or codat_id)
        for codat_id, name in rows.values_list("codat_supplier_id", "name")
    ]
