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


# --- issue 5: writes to the books -----------------------------------------------------------------


def _write_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    from billpay.bills.services.writes import ledger_write_fail

    ledger_write_fail(
        write_id=kwargs["write_id"],
        reason="We couldn't get an answer from your accounting software. "
        "Check your books before sending it again.",
    )


@shared_task(
    **codat_retry(max_retries=12),
    on_failure=_write_failed,
)
def ledger_write_task(self, *, write_id: int) -> str:
    """Advance one write to the books; while Codat is still on it, check again (bounded backoff)."""
    from billpay.bills.services.writes import WriteOutcome, ledger_write_advance

    outcome = ledger_write_advance(write_id=write_id)
    logger.info("ledger write %s: %s", write_id, outcome)
    if outcome == WriteOutcome.WAITING:
        countdown = min(5 * 2**self.request.retries, settings.CELERY_RETRY_BACKOFF_MAX)
        raise self.retry(countdown=countdown)
    return outcome


@shared_task(bind=True)
def ledger_write_sweep_task(self) -> int:
    """Beat: enqueue again the writes to the books that have had no news for a while."""
    from billpay.bills.services.writes import ledger_write_sweep

    count = ledger_write_sweep()
    logger.info("swept %s unfinished ledger writes", count)
    return count
