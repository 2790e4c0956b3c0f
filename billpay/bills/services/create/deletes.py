"""Deleting any bill from the books, synced or made here (issue 16, point 2).

Bills created here already had their own delete (`bills.bill_delete`, for their author's edit
page). This is the owner's or admin's action on any bill the books hold, behind a confirmation
page: `DELETE …/push/bills/{id}` as a `bill.delete` ledger write (the push machine sends it once
and looks a lost answer up as "is the bill gone, deleted or void?"). Only where the platform
allows it (CODAT.md §8); Xero voids a posted bill instead; NetSuite, Intacct and Xero refuse a
bill with payments (those go first), QuickBooks keeps its payments as payments on account.
On success the bill leaves the inbox (deleted) or shows void, and Codat is asked to re-read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from billpay.bills.models import Bill, LedgerWrite, PushState
from billpay.bills.services.create.common import K, user_or_none, write_for_key
from billpay.bills.services.options import BillCapabilities, bill_capabilities
from billpay.bills.services.revision import bills_changed
from billpay.bills.services.writes import ledger_write_create
from billpay.core.errors import DomainError
from billpay.core.services import audit_record
from billpay.onboarding.roles import Can, require
from billpay.pushes.models import Push

if TYPE_CHECKING:
    from billpay.core.services import Actor

# A payment of the bill prepared here and not yet recorded and verified (payments' IN_FLIGHT;
# bills does not import payments, which sits above it).
PAYMENT_IN_FLIGHT = ("draft", "scheduled", "sending", "pending")


@dataclass(frozen=True)
class BillDeletePlan:
    """What deleting this bill in the books would do, for the confirmation page."""

    refusal: str  # why it cannot be deleted now (empty: it can)
    voids: bool  # the platform voids it instead (it stays in the books, status Void)
    has_payments: bool  # payments in the books (QuickBooks keeps them on account)
    capabilities: BillCapabilities


def bill_delete_plan(*, bill: Bill) -> BillDeletePlan:
    """Whether and how the bill can be deleted from the books. **Idempotent**; no Codat call."""
    caps = bill_capabilities(company=bill.company)
    has_payments = (
        bill.allocations.exists()
        or bill.codat_status in ("Paid", "PartiallyPaid")
        or bill.amount_due < bill.total_amount
    )
    voids = caps.delete_voids and bill.codat_status != "Draft"
    refusal = ""
    if bill.is_deleted or not bill.is_in_books:
        refusal = gettext("This bill is not in your books.")
    elif bill.codat_status == "Void":
        refusal = gettext("This bill is already void in your books.")
    elif not caps.can_delete:
        refusal = gettext(
            "%(platform)s does not let BillPay delete bills. Delete it in %(platform)s itself."
        ) % {"platform": caps.platform_name}
    elif LedgerWrite.objects.filter(bill=bill, push__status__in=Push.ACTIVE).exists():
        refusal = gettext("This bill is being sent to your books. Try again in a moment.")
    elif bill.payment_allocations.filter(payment__status__in=PAYMENT_IN_FLIGHT).exists():
        refusal = gettext(
            "A payment of this bill is on its way to your books. Wait until it is verified, or "
            "cancel it, before deleting the bill."
        )
    elif has_payments and caps.delete_needs_payments_deleted:
        refusal = gettext(
            "%(platform)s deletes a bill only once its payments are deleted. Delete the "
            "payments of this bill first."
        ) % {"platform": caps.platform_name}
    return BillDeletePlan(
        refusal=refusal, voids=voids, has_payments=has_payments, capabilities=caps
    )


def bill_delete_in_books(*, bill: Bill, actor: Actor, submission_key: uuid.UUID) -> Bill:
    """Ask the books to delete (or void) this bill, once.

    **Idempotent:** on `submission_key` (the confirmation form's one-time key, the push's
    Idempotency-Key); a bill whose delete is already on its way is left alone (two people).
    **Raises:** NotAllowed (role), DomainError (see `bill_delete_plan`).
    **Transaction:** one; the push starts after commit.
    """
    require(bill.company, actor, Can.DELETE_IN_BOOKS)
    existing = write_for_key(bill.company, submission_key)
    if existing is not None:
        return existing.bill
    try:
        with transaction.atomic():
            locked = Bill.objects.select_for_update().get(pk=bill.pk, company=bill.company)
            deleting = LedgerWrite.objects.filter(
                bill=locked, push__kind=K.BILL_DELETE, push__status__in=Push.ACTIVE
            ).exists()
            if deleting:
                return locked  # someone else asked a moment ago: it is on its way
            plan = bill_delete_plan(bill=locked)
            if plan.refusal:
                raise DomainError(plan.refusal)
            Bill.objects.filter(pk=locked.pk).update(push_state=PushState.SENDING, push_error="")
            locked.push_state = PushState.SENDING
            bills_changed(company_id=locked.company_id)
            ledger_write_create(
                company=locked.company,
                kind=K.BILL_DELETE,
                bill=locked,
                key=submission_key,
                created_by=user_or_none(actor),
            )
            audit_record(
                company=locked.company,
                actor=actor,
                action="bill.delete_requested",
                target=str(locked),
                ref=f"bill:{locked.pk}",
                data={"voids": plan.voids, "had_payments": plan.has_payments},
            )
    except IntegrityError:
        existing = write_for_key(bill.company, submission_key)
        if existing is None:
            raise
        return existing.bill
    return locked
