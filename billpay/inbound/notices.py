"""Whom email-in tells (through notifications.tasks.notify): the members who may create bills
hear that an email brought drafts to check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_noop

from billpay.core.words import phrase
from billpay.notifications.models import Kind
from billpay.notifications.tasks import notify
from billpay.onboarding.models import Membership
from billpay.onboarding.roles import Can, role_allows

if TYPE_CHECKING:
    from billpay.inbound.services.emails import EmailOutcome
    from billpay.onboarding.models import Company

QUEUE_URL_NAME = "inbound:draft-list"  # the drafts queue (another part of issue 17)


def drafts_emailed(company: Company, outcome: EmailOutcome, *, sender: str) -> None:
    """Once per email (its first draft names it): nothing new, nobody told."""
    new = outcome.drafts + outcome.refused
    if not new:
        return
    members = Membership.objects.filter(company=company).values_list("user_id", "role")
    notify(
        company=company,
        kind=Kind.BILLS_EMAILED,
        event_key=f"inbound:email:{min(d.pk for d in new)}",
        recipients=[user_id for user_id, role in members if role_allows(role, Can.EDIT_BILLS)],
        message=phrase(
            gettext_noop(
                "An email from %(sender)s arrived: check its bills before they are created."
            ),
            sender=sender or "?",
        ),
        url=_queue_url(),
    )


def _queue_url() -> str:
    try:
        return reverse(QUEUE_URL_NAME)
    except NoReverseMatch:  # the queue's page is not there (yet): the notification still says it
        return ""
