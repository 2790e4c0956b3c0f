"""Whom the runs app tells, and what (issue 15, point 3, through notifications.tasks.notify)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_noop

from billpay.core.words import phrase
from billpay.notifications.models import Kind
from billpay.notifications.tasks import notify
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import members_who_can

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User
    from billpay.runs.models import PayRun


def approval_requested(company: Company, actor: User | None, run: PayRun) -> None:
    """A run needs approval: those who can approve are asked, once per version of the run."""
    notify(
        company=company,
        kind=Kind.APPROVAL_REQUESTED,
        event_key=f"run:{run.pk}:approval:{run.form_token}",
        recipients=[
            u for u in members_who_can(company=company, action=Can.APPROVE_PAYMENTS) if u != actor
        ],
        message=phrase(
            gettext_noop("%(who)s asks you to approve a pay run of %(count)s bills."),
            who=str(actor or ""),
            count=run.bill_count,
        ),
        url=reverse("runs:run-detail", args=[run.pk]),
    )


def approved(company: Company, actor: User | None, run: PayRun) -> None:
    """The run was approved: whoever prepared it is told (unless they approved it)."""
    if run.created_by_id is None or run.created_by_id == getattr(actor, "pk", None):
        return
    notify(
        company=company,
        kind=Kind.DECIDED,
        event_key=f"run:{run.pk}:approved:{run.approved_at.timestamp()}",
        recipients=[run.created_by_id],
        message=phrase(gettext_noop("%(who)s approved your pay run."), who=str(actor or "")),
        url=reverse("runs:run-detail", args=[run.pk]),
    )
