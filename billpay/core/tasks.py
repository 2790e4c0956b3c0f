import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "billpay:worker-heartbeat"


@shared_task(bind=True)
def worker_heartbeat_task(self) -> str:
    """Record that a worker is alive and consuming; the health check reports its age."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, stamp, timeout=None)
    logger.debug("worker heartbeat %s (task %s)", stamp, self.request.id)
    return stamp
