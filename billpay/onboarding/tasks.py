import logging

from celery import shared_task

from billpay.core.tasks import codat_retry

logger = logging.getLogger(__name__)


def _webhook_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    from billpay.onboarding.services.webhooks import webhook_fail

    webhook_fail(event_id=kwargs["event_id"], reason=f"Gave up: {type(exc).__name__}: {exc}")


@shared_task(**codat_retry(max_retries=8), on_failure=_webhook_failed)
def webhook_process_task(self, *, event_id: int) -> None:
    """Act on one stored Codat webhook event (a connection event re-reads Codat: retried)."""
    from billpay.onboarding.services import webhook_process

    webhook_process(event_id=event_id)
    logger.info("processed webhook event %s", event_id)
