"""Shared pieces of the payment services: references and transitions with their events."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from billpay.core.words import Phrase, store
from billpay.mapping.selectors import payment_methods  # noqa: F401  (re-exported)
from billpay.payments.models import Payment, PaymentEvent

if TYPE_CHECKING:
    from billpay.onboarding.models import User

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """Our payment reference: short enough for every platform (QuickBooks allows 21)."""
    return "BP" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def transition(
    payment: Payment,
    from_statuses: Iterable[str],
    to: str,
    *,
    actor: User | None = None,
    message: Phrase | str = "",
    **fields: object,
) -> bool:
    """Move the payment from one of `from_statuses` to `to` if it is still there.

    `message` is the timeline's line (a phrase: shown in the reader's language); a status
    reason comes in `fields` as `**store("status_reason", phrase)`.

    **Idempotent:** the conditional UPDATE matches at most once per state.
    **Transaction:** one, joined with the timeline event (or the caller's).
    """
    now = timezone.now()
    with transaction.atomic():
        moved = Payment.objects.filter(pk=payment.pk, status__in=list(from_statuses)).update(
            status=to, updated_at=now, **fields
        )
        if moved:
            PaymentEvent.objects.create(
                company_id=payment.company_id,
                payment_id=payment.pk,
                status=to,
                actor=actor if _is_user(actor) else None,
                **store("message", message),
            )
    if moved:
        payment.status = to
        for name, value in fields.items():
            setattr(payment, name, value)
    return bool(moved)


def event_new(
    payment: Payment, status: str, message: Phrase | str, **fields: object
) -> PaymentEvent:
    """A timeline line, not saved (for bulk_create): its message kept as a phrase."""
    return PaymentEvent(
        company_id=payment.company_id,
        payment=payment,
        status=status,
        **store("message", message),
        **fields,
    )


def _is_user(actor: User | None) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)
