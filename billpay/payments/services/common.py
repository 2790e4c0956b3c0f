"""Shared pieces of the payment services: transitions, events, scheduling follow-ups."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billpay.mapping.selectors import payment_methods  # noqa: F401  (re-exported)
from billpay.payments.models import Payment, PaymentEvent

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """Our payment reference: short enough for every platform (QuickBooks allows 21)."""
    return "BP" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def transition(
    payment: Payment,
    from_statuses: Iterable[str],
    to: str,
    *,
    actor: Any = None,
    message: str = "",
    **fields: Any,
) -> bool:
    """Move the payment from one of `from_statuses` to `to` if it is still there.

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
                company_id=payment.company_id, payment_id=payment.pk, status=to,
                message=message, actor=actor if _is_user(actor) else None,
            )  # fmt: skip
    if moved:
        payment.status = to
        for name, value in fields.items():
            setattr(payment, name, value)
    return bool(moved)


def enqueue(task_name: str, *, payment_id: int, countdown: float | None = None) -> None:
    """Enqueue a payments task after commit (optionally later)."""
    from billpay.payments import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(
        lambda: task.apply_async(kwargs={"payment_id": payment_id}, countdown=countdown)
    )


def poll_later(payment: Payment, task_name: str) -> bool:
    """Schedule the next poll with bounded backoff; False once the delays are used up."""
    delays = settings.PAYMENT_POLL_DELAYS
    count = payment.poll_count
    if count >= len(delays):
        return False
    Payment.objects.filter(pk=payment.pk).update(poll_count=count + 1)
    payment.poll_count = count + 1
    enqueue(task_name, payment_id=payment.pk, countdown=delays[count])
    return True


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)
