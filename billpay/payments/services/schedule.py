"""Beat work: send scheduled payments that are due, or hold those whose bill changed."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from billpay.codat import CodatClient, get_codat_client
from billpay.codat.errors import CodatNotFoundError
from billpay.core.services import audit_record
from billpay.core.words import Money, Phrase, phrase, store
from billpay.onboarding.models import Company
from billpay.payments.models import Payment, PaymentAllocation
from billpay.payments.services.common import transition
from billpay.payments.services.writeback import payment_send, payment_settled

logger = logging.getLogger(__name__)
S = Payment.Status
ZERO = Decimal("0")


def payments_due_company_ids() -> list[int]:
    """The companies with scheduled payments due today (the beat fans out one task each)."""
    return sorted(
        set(
            Payment.objects.filter(status=S.SCHEDULED, payment_date__lte=timezone.localdate())
            .values_list("company_id", flat=True)
            .distinct()
        )
    )


def payments_submit_due(*, company: Company) -> int:
    """Queue the company's scheduled payments that are due, or hold those whose bill changed.

    Each bill is read from the books first: deleted, voided, paid elsewhere, a new supplier or
    a different amount due puts the payment on hold with the reason, instead of paying a stale
    amount. **Idempotent:** each payment moves scheduled → queued | on_hold once.
    **Raises:** CodatTransientError (the rest wait for the retry).
    """
    due = Payment.objects.filter(
        company=company, status=S.SCHEDULED, payment_date__lte=timezone.localdate()
    ).order_by("payment_date", "pk")
    queued = 0
    with get_codat_client() as client:
        for payment in due:
            reason = _what_changed(client, company, payment)
            if reason:
                _hold(company, payment, reason)
            elif payment_send(
                payment=payment,
                from_statuses=[S.SCHEDULED],
                message=phrase(gettext_noop("Due today: sent")),
            ):
                queued += 1
    return queued


def _hold(company: Company, payment: Payment, reason: Phrase) -> None:
    with transaction.atomic():
        if transition(
            payment,
            [S.SCHEDULED],
            S.ON_HOLD,
            message=phrase(gettext_noop("On hold: %(reason)s"), reason=reason),
            **store("status_reason", reason),
        ):
            audit_record(
                company=company,
                actor=None,
                action="payment.held",
                target=payment.reference,
                ref=f"payment:{payment.pk}",
                data=store("reason", reason),
            )
            payment_settled(payment)


def _what_changed(client: CodatClient, company: Company, payment: Payment) -> Phrase | None:
    """Why the payment must not go out as prepared (None when the books still agree)."""
    for allocation in payment.allocations.select_related("bill"):
        name = f"{allocation.bill.supplier_name} {allocation.bill.reference}".strip()
        try:
            bill = client.get_bill(
                company_id=company.codat_company_id, bill_id=allocation.codat_bill_id
            )
        except CodatNotFoundError:
            return phrase(gettext_noop("%(bill)s was deleted in your books."), bill=name)
        due = bill.amount_due if bill.amount_due is not None else ZERO
        expected = allocation.amount_due_before - _paid_since(payment, allocation)
        supplier = bill.supplier_ref.id if bill.supplier_ref else ""
        if bill.is_deleted:
            return phrase(gettext_noop("%(bill)s was deleted in your books."), bill=name)
        if bill.status == "Void":
            return phrase(gettext_noop("%(bill)s was voided in your books."), bill=name)
        if bill.status == "Paid" or due <= ZERO:
            return phrase(gettext_noop("%(bill)s was already paid in your books."), bill=name)
        if supplier != allocation.codat_supplier_id_before:
            return phrase(
                gettext_noop("%(bill)s now belongs to another supplier in your books."), bill=name
            )
        if due != expected or allocation.amount > due:
            return phrase(
                gettext_noop("The amount due on %(bill)s changed from %(before)s to %(after)s."),
                bill=name,
                before=Money(expected, payment.currency),
                after=Money(due, payment.currency),
            )
    return None


def _paid_since(payment: Payment, allocation: PaymentAllocation) -> Decimal:
    """What our own other payments recorded on this bill after this one was prepared."""
    total = (
        PaymentAllocation.objects.filter(
            bill_id=allocation.bill_id,
            payment__status__in=[S.PENDING, S.VERIFIED],
            payment__completed_at__gt=payment.created_at,
        )
        .exclude(payment=payment)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or ZERO
