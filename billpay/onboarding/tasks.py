import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    retry_backoff_max=settings.CELERY_RETRY_BACKOFF_MAX,
    max_retries=5,
)
def webhook_process_task(self, *, event_id: int) -> None:
    """Act on one stored Codat webhook event."""
    from billpay.onboarding.services import webhook_process

    webhook_process(event_id=event_id)
    logger.info("processed webhook event %s", event_id)
