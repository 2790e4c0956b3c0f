"""Beat work: submit scheduled payments that are due, and follow up write-backs with no news."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from billpay.codat import get_codat_client
from billpay.codat.errors import CodatNotFoundError
from billpay.core.money import format_money
from billpay.core.services import audit_record
from billpay.onboarding.models import Company
from billpay.payments.models import Payment, PaymentAllocation
from billpay.payments.services.common import enqueue, transition

logger = logging.getLogger(__name__)
S = Payment.Status
ZERO = Decimal("0")


def payments_submit_due_all() -> int:
    """Fan out: one `payments_submit_due_task` per company with scheduled payments due today."""
    from billpay.payments.tasks import payments_submit_due_task

    company_ids = set(
        Payment.objects.filter(status=S.SCHEDULED, payment_date__lte=timezone.localdate())
        .values_list("company_id", flat=True)
        .distinct()
    )
    for company_id in company_ids:
        payments_submit_due_task.delay_on_commit(company_id=company_id)
    return len(company_ids)


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
                if transition(payment, [S.SCHEDULED], S.ON_HOLD, status_reason=reason,
                              message=f"On hold: {reason}"):  # fmt: skip
                    audit_record(
                        company=company, actor=None, action="payment.held",
                        target=payment.reference, ref=f"payment:{payment.pk}",
                        data={"reason": reason},
                    )  # fmt: skip
            elif transition(payment, [S.SCHEDULED], S.QUEUED, message="Due today: queued"):
                enqueue("payment_write_back_task", payment_id=payment.pk)
                queued += 1
    return queued


def payments_sweep_all() -> int:
    """Fan out: one `payments_sweep_task` per company with write-backs in progress."""
    from billpay.payments.tasks import payments_sweep_task

    company_ids = set(
        Payment.objects.filter(status__in=Payment.WORKING).values_list("company_id", flat=True)
    )
    for company_id in company_ids:
        payments_sweep_task.delay_on_commit(company_id=company_id)
    return len(company_ids)


def payments_sweep(*, company: Company) -> int:
    """Re-kick write-backs that have had no news for a while (lost messages, missed webhooks).

    **Idempotent:** it only enqueues; every task claims or checks state before acting.
    """
    quiet = timezone.now() - timedelta(
        seconds=max(settings.PAYMENT_STALE_CLAIM_SECONDS, settings.PAYMENT_SWEEP_MIN_QUIET_SECONDS)
    )
    stuck = Payment.objects.filter(
        company=company, status__in=Payment.WORKING, updated_at__lt=quiet
    )
    tasks = {
        S.QUEUED: "payment_write_back_task",
        S.SUBMITTING: "payment_write_back_task",  # a stale claim turns into a lookup
        S.SUBMITTED: "payment_follow_task",
        S.CHECKING: "payment_lookup_task",
        S.PENDING: "payment_verify_task",
    }
    count = 0
    for payment in stuck:
        Payment.objects.filter(pk=payment.pk).update(poll_count=0, updated_at=timezone.now())
        enqueue(tasks[payment.status], payment_id=payment.pk)
        count += 1
    return count


def _what_changed(client: Any, company: Company, payment: Payment) -> str:
    """Why the payment must not go out as prepared (empty when the books still agree)."""
    for allocation in payment.allocations.select_related("bill"):
        name = f"{allocation.bill.supplier_name} {allocation.bill.reference}".strip()
        try:
            bill = client.get_bill(
                company_id=company.codat_company_id, bill_id=allocation.codat_bill_id
            )
        except CodatNotFoundError:
            return f"{name} was deleted in your books."
        due = bill.amount_due if bill.amount_due is not None else ZERO
        expected = allocation.amount_due_before - _paid_since(payment, allocation)
        supplier = bill.supplier_ref.id if bill.supplier_ref else ""
        if bill.is_deleted:
            return f"{name} was deleted in your books."
        if bill.status == "Void":
            return f"{name} was voided in your books."
        if bill.status == "Paid" or due <= ZERO:
            return f"{name} was already paid in your books."
        if supplier != allocation.codat_supplier_id_before:
            return f"{name} now belongs to another supplier in your books."
        if due != expected or allocation.amount > due:
            return (
                f"The amount due on {name} changed from {format_money(expected, payment.currency)} "
                f"to {format_money(due, payment.currency)}."
            )
    return ""


def _paid_since(payment: Payment, allocation: PaymentAllocation) -> Decimal:
    """What our own other payments recorded on this bill after this one was prepared."""
    total = PaymentAllocation.objects.filter(
        bill_id=allocation.bill_id, payment__status__in=[S.PENDING, S.VERIFIED],
        payment__completed_at__gt=payment.created_at,
    ).exclude(payment=payment).aggregate(total=Sum("amount"))["total"]  # fmt: skip
    return total or ZERO
