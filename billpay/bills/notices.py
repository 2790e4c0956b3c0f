"""Whom the bills app tells, and what (issue 15, point 3, through notifications.tasks.notify)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from billpay.bills.models import TO_PAY, Bill
from billpay.core.words import phrase
from billpay.notifications.models import Kind
from billpay.notifications.tasks import notify
from billpay.onboarding.models import Membership
from billpay.onboarding.selectors import company_list_linked

if TYPE_CHECKING:
    from billpay.onboarding.models import User


def review_decided(bill: Bill, actor: User, decision: str, reason: str) -> None:
    """Someone else approved or rejected a bill created here: its creator is told (and why)."""
    if decision not in ("approved", "rejected") or bill.created_by_id in (None, actor.pk):
        return
    message = (
        phrase(gettext_noop("%(who)s approved the bill %(bill)s."), who=str(actor), bill=str(bill))
        if decision == "approved"
        else phrase(
            gettext_noop("%(who)s rejected the bill %(bill)s: %(reason)s"),
            who=str(actor),
            bill=str(bill),
            reason=reason,
        )
    )
    notify(
        company=bill.company,
        kind=Kind.DECIDED,
        event_key=f"bill:{bill.pk}:{decision}:{bill.reviewed_at.timestamp()}",
        recipients=[bill.created_by_id],
        message=message,
        url=reverse("bills:bill-detail", args=[bill.pk]),
    )


def weekly_digest(*, today: date) -> int:
    """Every linked company's members hear what is due in the coming week and what is overdue
    (beat, Mondays); once per company and ISO week. How many companies had something to say."""
    year, week, _ = today.isocalendar()
    told = 0
    for company in company_list_linked():
        counts = Bill.objects.filter(TO_PAY, company=company).aggregate(
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due=Count("pk", filter=Q(due_date__gte=today, due_date__lt=today + timedelta(days=7))),
        )
        overdue, due = counts["overdue"], counts["due"]
        if not (due or overdue):
            continue
        notify(
            company=company,
            kind=Kind.DIGEST,
            event_key=f"digest:{company.pk}:{year}-W{week:02d}",
            recipients=Membership.objects.filter(company=company).values_list("user_id", flat=True),
            message=phrase(
                gettext_noop(
                    "This week: %(due)s bills due in the next 7 days, %(overdue)s overdue."
                ),
                due=due,
                overdue=overdue,
            ),
            url=f"{reverse('bills:inbox')}?view=due_7",
        )
        told += 1
    return told
