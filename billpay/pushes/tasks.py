"""Celery tasks of the push machine: advance one push, sweep the quiet ones, start a new one.

Tasks import the services, never the other way round: a step returns when to come back and
the task schedules that.
"""

import logging
import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext_noop

from billpay.codat.errors import CodatRateLimitedError
from billpay.core.tasks import codat_retry
from billpay.onboarding.models import WebhookEvent
from billpay.pushes.models import Push
from billpay.pushes.services import (
    push_advance,
    push_apply_success,
    push_find,
    push_give_up,
    push_sweep,
)

logger = logging.getLogger(__name__)
# Seconds of spread added to Codat's Retry-After.
RATE_LIMIT_JITTER = 2.0


def _gave_up(self, exc, task_id, args, kwargs, einfo) -> None:
    """on_failure: out of retries. The push may have been sent: it is looked up, never failed."""
    push_give_up(
        push_id=kwargs["push_id"],
        reason=gettext_noop(
            "We could not reach your accounting software: we will check your books again."
        ),
    )


@shared_task(**codat_retry(max_retries=8), on_failure=_gave_up)
def push_advance_task(self, *, push_id: int, turn: int | None = None) -> str:
    """Move one push a step; schedule the next follow-up the step asks for.

    Codat saying "slow down" (429) is no failure: the step comes back when Codat says, with a
    little jitter so that the workers it turned away do not all return at once, and without
    spending one of the retries meant for errors.
    """
    try:
        later = push_advance(push_id=push_id, turn=turn)
    except CodatRateLimitedError as exc:
        wait = (exc.retry_after or 1) + random.uniform(0, RATE_LIMIT_JITTER)
        push_advance_task.apply_async(kwargs={"push_id": push_id, "turn": turn}, countdown=wait)
        return f"push {push_id}: rate limited, again in {wait:.1f}s"
    if later is not None:
        push_advance_task.apply_async(
            kwargs={"push_id": push_id, "turn": later.turn}, countdown=later.delay
        )
    return f"push {push_id}: " + (f"again in {later.delay:g}s" if later else "settled")


@shared_task(bind=True)
def push_sweep_task(self) -> int:
    """Beat: advance again every unfinished push that has had no news for a while."""
    ids = push_sweep(older_than=timedelta(seconds=settings.PUSH_SWEEP_SECONDS))
    for push_id in ids:
        push_advance_task.delay(push_id=push_id)
    if ids:
        logger.info("swept %s unfinished pushes", len(ids))
    return len(ids)


def push_start(push: Push) -> None:
    """Send a new push once the transaction that created it commits."""
    push_advance_task.delay_on_commit(push_id=push.pk)


def push_write_event(*, event: WebhookEvent) -> None:
    """Webhook `{dataType}.write.*`: the outcome of a push operation. **Idempotent.**

    A success carries its record: applied at once. Anything else is followed up (a failure's
    reasons are only in the push operation). A push we do not know is ignored: the follow-up
    polling of our own pushes covers one recorded after its webhook arrived.
    """
    if event.company is None:
        return
    body = event.payload.get("payload") or {}
    push = push_find(company=event.company, push_operation_key=str(body.get("id") or ""))
    if push is None or not push.is_active:
        return
    record_id = str((body.get("record") or {}).get("id") or "")
    if body.get("status") == "Success" and record_id:
        push_apply_success(push_id=push.pk, record_id=record_id)
    else:
        push_advance_task.delay(push_id=push.pk)
