from datetime import date
from decimal import Decimal

from django import template
from django.utils import timezone

from billpay.bills.models import SyncRun
from billpay.bills.selectors import sync_run_latest as _sync_run_latest
from billpay.core import words

register = template.Library()


@register.simple_tag(takes_context=True)
def sync_run_latest(context) -> SyncRun | None:
    """The current company's latest sync run, for pages of other apps (the connection page)."""
    return _sync_run_latest(company=context["request"].company)


@register.simple_tag
def due_label(due: date | None, amount_due, today: date | None = None) -> str:
    """'overdue by 3 days', 'due today', 'due in 3 days' — only for bills still owed."""
    if due is None or not amount_due:
        return ""
    days = (due - (today or timezone.localdate())).days
    if days < 0:
        return f"overdue by {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "due today"
    if days <= 30:
        return f"due in {days} day{'s' if days != 1 else ''}"
    return ""


@register.filter
def quantity(value: Decimal | None) -> str:
    """A line's quantity without trailing zeros and never in exponent form: 10, 2.5, 0.3333.

    (Decimal.normalize() alone turns 10.0000 into "1E+1".)
    """
    if value is None:
        return ""
    return format(value.normalize(), "f")


@register.filter
def status_class(codat_status: str) -> str:
    return {"Paid": "ok", "PartiallyPaid": "info", "Void": "bad", "Draft": "warn"}.get(
        codat_status, ""
    )


# A bill's status in the books in words ("PartiallyPaid" → "Partly paid"); also in `words`.
register.filter("bill_status", words.bill_status)


@register.filter
def review_class(review_status: str) -> str:
    return {"approved": "ok", "rejected": "bad"}.get(review_status, "")
