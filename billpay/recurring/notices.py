"""Whom recurring bills tell, and what (through notifications.tasks.notify)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_noop

from billpay.core.words import Day, Phrase, phrase
from billpay.notifications.models import Kind
from billpay.notifications.tasks import notify
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import members_who_can

if TYPE_CHECKING:
    from billpay.recurring.models import RecurringBill, RecurringOccurrence


def payment_not_made(
    occurrence: RecurringOccurrence,
    template: RecurringBill,
    *,
    reason: Phrase | str,
    prepared: bool,
) -> None:
    """A recurring bill's payment was left prepared (someone must confirm it) or not prepared:
    whoever saved the template is told, and, for a prepared one, who may confirm payments."""
    recipients = [template.run_as_id, template.created_by_id]
    if prepared:
        recipients += members_who_can(company=template.company, action=Can.CONFIRM_PAYMENTS)
    message = (
        gettext_noop(
            "The payment of the recurring bill from %(supplier)s of %(date)s waits for "
            "someone to confirm it: %(reason)s"
        )
        if prepared
        else gettext_noop(
            "The payment of the recurring bill from %(supplier)s of %(date)s was not "
            "prepared: %(reason)s"
        )
    )
    notify(
        company=template.company,
        kind=Kind.PAYMENT_PROBLEM,
        event_key=f"recurring:{occurrence.pk}:payment",
        recipients=recipients,
        message=phrase(
            message, supplier=template.supplier_name, date=Day(occurrence.date), reason=reason
        ),
        url=reverse("recurring:recurring-detail", args=[template.pk]),
    )
