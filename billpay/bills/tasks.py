import logging
from collections.abc import Iterable
from datetime import datetime

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings
from django.utils.translation import gettext_noop

from billpay.bills.models import SyncRun
from billpay.bills.services import SyncOutcome, bills_sync, sync_run_fail, sync_run_queue
from billpay.codat.errors import CodatTransientError
from billpay.core.tasks import codat_retry
from billpay.core.words import phrase
from billpay.onboarding.models import Company
from billpay.onboarding.selectors import company_list_linked

logger = logging.getLogger(__name__)


def sync_start(
    *,
    company: Company,
    trigger: str,
    full: bool = False,
    data_types: Iterable[str] | None = None,
    modified_from: datetime | None = None,
) -> SyncRun:
    """Queue a sync of the company and enqueue `bills_sync_task` on commit (see `sync_run_queue`).

    **Idempotent:** while a run is active, returns it (merged) and enqueues nothing more.
    """
    run, created = sync_run_queue(
        company=company,
        trigger=trigger,
        full=full,
        data_types=data_types,
        modified_from=modified_from,
    )
    if created:
        bills_sync_task.delay_on_commit(run_id=run.pk)
    return run


def sync_start_all_linked() -> int:
    """Start an incremental sync of every linked company. **Idempotent:** active runs are reused."""
    count = 0
    for company in company_list_linked().iterator():
        sync_start(company=company, trigger=SyncRun.Trigger.SCHEDULE)
        count += 1
    return count


def _sync_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    if isinstance(exc, MaxRetriesExceededError):  # still waiting for Codat's first read
        minutes = settings.SYNC_WAIT_SECONDS * settings.SYNC_WAIT_RETRIES // 60
        reason = phrase(
            gettext_noop(
                "Your accounting software had not finished its first read of your books after "
                "%(minutes)s minutes. Sync again later."
            ),
            minutes=minutes,
        )
    elif isinstance(exc, CodatTransientError):
        reason = phrase(
            gettext_noop("We could not reach your accounting software. Try again later.")
        )
    else:
        reason = phrase(
            gettext_noop(
                "Something went wrong while reading your books. Try again in a few minutes."
            )
        )
    sync_run_fail(run_id=kwargs["run_id"], reason=reason, detail=f"{type(exc).__name__}: {exc}")


@shared_task(
    **codat_retry(max_retries=8),
    on_failure=_sync_failed,
)
def bills_sync_task(self, *, run_id: int) -> str:
    """Run one queued sync; while Codat's first read is still going, check again shortly."""
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
    count = sync_start_all_linked()
    logger.info("queued syncs for %s companies", count)
    return count
