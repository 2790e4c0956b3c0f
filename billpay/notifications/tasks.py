"""`notify`, the entry point other apps call, and the task that delivers."""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task
from django.db import transaction

from billpay.core.words import Phrase
from billpay.notifications import services


def notify(
    *, company, kind: str, event_key: str, recipients: Iterable, message: Phrase, url: str = ""
) -> None:
    """Tell `recipients` (users or user ids; None skipped) about `event_key`, once the caller's
    transaction commits (a rolled-back event tells no one). Safe to call twice for one event."""
    ids = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    if not ids:
        return
    data = {
        "company_id": company.pk,
        "kind": kind,
        "event_key": event_key[:200],
        "recipient_ids": ids,
        "message": message.to_json(),
        "url": url,
    }
    transaction.on_commit(lambda: notifications_deliver_task.delay(**data))


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notifications_deliver_task(**kwargs) -> int:
    return services.notifications_deliver(**kwargs)
