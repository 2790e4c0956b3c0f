"""A recurring bill's payment: prepared and confirmed through the payment services once the
bill is in the books."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from billpay.bills.services.create.common import write_for_key
from billpay.core.errors import DomainError
from billpay.core.services import audit_record
from billpay.core.words import Phrase, phrase, store
from billpay.payments.services import payment_confirm, payment_prepare
from billpay.pushes.models import Push
from billpay.recurring import notices
from billpay.recurring.models import RecurringBill, RecurringOccurrence
from billpay.recurring.schedule import dates_for, working_day
from billpay.recurring.services.templates import schedule_of

if TYPE_CHECKING:
    from billpay.bills.models import Bill
    from billpay.onboarding.models import Company


P = RecurringOccurrence.Payment


# --- payments -------------------------------------------------------------------------------------


def recurring_payments_prepare(*, company: Company, today: date | None = None) -> int:
    """Prepare the payments of the company's recurring bills that have reached the books.

    Returns how many moved on. **Idempotent.**
    """
    waiting = (
        RecurringOccurrence.objects.filter(company=company, payment_state=P.WAITING)
        .select_related("template", "template__run_as")
        .order_by("date", "pk")
    )
    return sum(
        occurrence_payment_prepare(occurrence=o, today=today).payment_state != P.WAITING
        for o in waiting
    )


def recurring_payments_waiting(*, company: Company) -> bool:
    """Whether a recurring bill's payment waits for its bill to reach the books."""
    return RecurringOccurrence.objects.filter(company=company, payment_state=P.WAITING).exists()


def occurrence_payment_prepare(
    *, occurrence: RecurringOccurrence, today: date | None = None
) -> RecurringOccurrence:
    """Once the occurrence's bill is in the books, prepare its payment and confirm it
    (scheduled for its date) through the payment services, as the template's `run_as`.

    A refusal by the approval gate, the role or two-step login leaves a prepared payment that
    someone who may confirm it confirms on the payments page; any other refusal (no account
    mapped, the bill paid meanwhile) leaves no payment. Either way the reason is kept.
    **Idempotent:** the payment's form token derives from the occurrence; the occurrence is
    locked while it moves on. **Transaction:** one (the payment's own nest in it).
    """
    today = today or timezone.localdate()
    company = occurrence.company
    template = occurrence.template
    write = write_for_key(company, occurrence.submission_key)
    bill: Bill | None = write.bill if write is not None else None
    gone = bill is None or bill.is_deleted
    failed = write is not None and write.push.status == Push.Status.FAILED
    if not gone and not failed and not bill.is_in_books:
        return occurrence  # still on its way to the books: the next sync or run comes back
    with transaction.atomic():
        locked = RecurringOccurrence.objects.select_for_update().get(pk=occurrence.pk)
        if locked.payment_state != P.WAITING:
            return locked
        if gone or failed:
            _payment_refused(
                locked,
                template,
                phrase(gettext_noop("The bill did not reach your books, so no payment was made.")),
            )
            return locked
        dates = dates_for(schedule_of(template), locked.date)
        payment_date = working_day(max(dates.payment_date or today, today))
        try:
            payment = payment_prepare(
                company=company,
                actor=template.run_as,
                bill_ids=[bill.pk],
                method=template.payment_method,
                amounts={bill.pk: bill.amount_due},
                payment_date=payment_date,
                form_token=uuid.uuid5(locked.submission_key, "payment"),
            )
        except DomainError as exc:
            _payment_refused(locked, template, exc.message)
            return locked
        locked.payment, locked.bill = payment, bill
        try:
            payment_confirm(
                company=company,
                actor=template.run_as,
                payment_id=payment.pk,
                # A worker has no session: where two-step login is required, a person confirms.
                verified=False if company.require_two_factor else None,
            )
        except DomainError as exc:
            locked.payment_state = P.PREPARED
            reason = phrase(
                gettext_noop("The payment is prepared but not confirmed: %(reason)s"),
                reason=exc.message,
            )
            for name, value in store("reason", reason).items():
                setattr(locked, name, value)
            notices.payment_not_made(locked, template, reason=exc.message, prepared=True)
        else:
            locked.payment_state = P.SCHEDULED
        locked.save()
        audit_record(
            company=company,
            actor=None,
            action="recurring.payment_prepared",
            target=str(template),
            ref=f"recurring:{template.pk}",
            data={
                "date": locked.date.isoformat(),
                "payment": payment.reference,
                "payment_date": payment_date.isoformat(),
                "reason": locked.reason,
            },
        )
    return locked


def _payment_refused(
    locked: RecurringOccurrence, template: RecurringBill, reason: Phrase | str
) -> None:
    locked.payment_state = P.REFUSED
    for name, value in store("reason", reason).items():
        setattr(locked, name, value)
    locked.save()
    notices.payment_not_made(locked, template, reason=reason, prepared=False)
    audit_record(
        company=locked.company,
        actor=None,
        action="recurring.payment_refused",
        target=str(template),
        ref=f"recurring:{template.pk}",
        data={"date": locked.date.isoformat(), "reason": locked.reason},
    )
