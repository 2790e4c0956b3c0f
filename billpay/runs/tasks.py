"""Celery tasks of pay runs: verify a run once its payments settled, and the sweep.

Sending the payments is their pushes' (`billpay.pushes.tasks`). Tasks import services, never the
other way round: a service says when to come back and the task schedules that.
"""

import logging

from celery import shared_task

from billpay.core.tasks import codat_retry
from billpay.runs.services import run_verify, runs_quiet

logger = logging.getLogger(__name__)


@shared_task(**codat_retry())
def run_verify_task(self, *, run_id: int) -> None:
    """Ask for the run's one bills refresh, then verify its payments; come back if not yet."""
    delay = run_verify(run_id=run_id)
    if delay is not None:
        run_verify_task.apply_async(kwargs={"run_id": run_id}, countdown=delay)
    logger.info("pay run %s verify: %s", run_id, "later" if delay else "done")


@shared_task(bind=True)
def runs_verify_sweep_task(self) -> int:
    """Beat: verify again the paying runs whose payments settled but which went quiet."""
    ids = runs_quiet()
    for run_id in ids:
        run_verify_task.delay(run_id=run_id)
    return len(ids)
