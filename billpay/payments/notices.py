"""Whom the payments app tells, and what (issue 15, point 3, through notifications.tasks.notify)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_noop

from billpay.core.money import format_money
from billpay.core.words import Phrase, phrase
from billpay.notifications.models import Kind
from billpay.notifications.tasks import notify
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import members_who_can

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User
    from billpay.payments.models import Payment


def payment_problem(payment: Payment, *, failed: bool, reason: Phrase, key: str) -> None:
    """A payment the books refused, or one held before sending: who prepared and who confirmed it
    are told. `key` names this occurrence (a payment may fail again after a retry)."""
    amount = format_money(payment.total_amount, payment.currency)
    message = (
        gettext_noop("The payment of %(amount)s to %(supplier)s failed: %(reason)s")
        if failed
        else gettext_noop("The payment of %(amount)s to %(supplier)s is on hold: %(reason)s")
    )
    notify(
        company=payment.company,
        kind=Kind.PAYMENT_PROBLEM,
        event_key=f"payment:{payment.pk}:{'failed' if failed else 'held'}:{key}",
        recipients=[payment.created_by_id, payment.confirmed_by_id],
        message=phrase(message, amount=amount, supplier=payment.supplier_name, reason=reason),
        url=reverse("payments:payment-detail", args=[payment.pk]),
    )


def approval_requested(
    company: Company, actor: User | None, payment: Payment, bill_ids: list[str]
) -> None:
    """Bills of a payment need approval first: those who can approve are asked (not the actor).
    Once per payment and set of bills, however often the payment is retried meanwhile."""
    approvers = [
        u for u in members_who_can(company=company, action=Can.APPROVE_PAYMENTS) if u != actor
    ]
    notify(
        company=company,
        kind=Kind.APPROVAL_REQUESTED,
        event_key=f"payment:{payment.pk}:approval:{','.join(sorted(bill_ids))}"[:200],
        recipients=approvers,
        message=phrase(
            gettext_noop("%(who)s asks you to approve bills of %(supplier)s so they can be paid."),
            who=str(actor or ""),
            supplier=payment.supplier_name,
        ),
        url=f"{reverse('bills:inbox')}?view=to_pay&review=pending",
    )
