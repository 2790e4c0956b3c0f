import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from billpay.codat.errors import CodatTransientError

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "billpay:worker-heartbeat"


def codat_retry(*, max_retries: int = 8) -> dict:
    """shared_task options for tasks that call Codat: retry only transient errors, with capped
    exponential backoff and jitter, a bounded number of times (STYLE §7)."""
    return {
        "bind": True,
        "autoretry_for": (CodatTransientError, OperationalError),
        "retry_backoff": True,
        "retry_jitter": True,
        "retry_backoff_max": settings.CELERY_RETRY_BACKOFF_MAX,
        "max_retries": max_retries,
    }


@shared_task(bind=True)
def worker_heartbeat_task(self) -> str:
    """Record that a worker is alive and consuming; the health check reports its age."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, stamp, timeout=None)
    logger.debug("worker heartbeat %s (task %s)", stamp, self.request.id)
    return stamp
