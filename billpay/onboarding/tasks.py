import logging
from typing import Any

from celery import shared_task

from billpay.core.tasks import codat_retry
from billpay.onboarding.models import WebhookEvent
from billpay.onboarding.services.webhooks import webhook_fail, webhook_process, webhook_receive

logger = logging.getLogger(__name__)


def webhook_accept(*, webhook_id: str, payload: Any) -> WebhookEvent | None:
    """The receiver's entry point: store a verified event, then enqueue its processing on commit.

    **Idempotent:** a repeated delivery stores nothing and enqueues nothing; an invalid event is
    stored already processed and never enqueued.
    """
    event = webhook_receive(webhook_id=webhook_id, payload=payload)
    if event is not None and event.processed_at is None:
        webhook_process_task.delay_on_commit(event_id=event.pk)
    return event


def _webhook_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    webhook_fail(event_id=kwargs["event_id"], reason=f"Gave up: {type(exc).__name__}: {exc}")


@shared_task(**codat_retry(max_retries=8), on_failure=_webhook_failed)
def webhook_process_task(self, *, event_id: int) -> None:
    """Act on one stored Codat webhook event (a connection event re-reads Codat: retried)."""
    webhook_process(event_id=event_id)
    logger.info("processed webhook event %s", event_id)
