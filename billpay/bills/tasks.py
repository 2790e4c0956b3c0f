import logging

from celery import shared_task
from django.conf import settings

from billpay.core.tasks import codat_retry

logger = logging.getLogger(__name__)


def _sync_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    from celery.exceptions import MaxRetriesExceededError

    from billpay.bills.services import sync_run_fail
    from billpay.codat.errors import CodatTransientError

    if isinstance(exc, MaxRetriesExceededError):  # still waiting for Codat's first read
        minutes = settings.SYNC_WAIT_SECONDS * settings.SYNC_WAIT_RETRIES // 60
        reason = (
            f"Your accounting software had not finished its first read of your books after "
            f"{minutes} minutes. Sync again later."
        )
    elif isinstance(exc, CodatTransientError):
        reason = "We could not reach your accounting software. Try again later."
    else:
        reason = "Something went wrong while reading your books. Try again in a few minutes."
    sync_run_fail(run_id=kwargs["run_id"], reason=reason, detail=f"{type(exc).__name__}: {exc}")


@shared_task(
    **codat_retry(max_retries=8),
    on_failure=_sync_failed,
)
def bills_sync_task(self, *, run_id: int) -> str:
    """Run one queued sync; while Codat's first read is still going, check again shortly."""
    from billpay.bills.services import SyncOutcome, bills_sync

    outcome = bills_sync(run_id=run_id)
    logger.info("sync run %s: %s", run_id, outcome)
    if outcome == SyncOutcome.WAITING:
        raise self.retry(
            countdown=settings.SYNC_WAIT_SECONDS, max_retries=settings.SYNC_WAIT_RETRIES
        )
    return outcome


@shared_task(bind=True)
def bills_sync_all_task(self) -> int:
    """Beat: queue an incremental sync of every linked company (one task each)."""
    from billpay.bills.services.sync import sync_request_all_linked

    count = sync_request_all_linked()
    logger.info("queued syncs for %s companies", count)
    return count
