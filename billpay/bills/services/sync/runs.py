"""A sync run's life: requested (queued), claimed and run, ended (succeeded or failed), or
expired when its worker died. `bills.tasks.sync_start` queues a run and enqueues its task."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from billpay.bills.approval import bills_approvals_refresh
from billpay.bills.models import SyncRun, SyncState
from billpay.bills.selectors import currencies_cache_key
from billpay.bills.services.sync.common import (
    INTERRUPTED,
    OPTIONAL_TYPES,
    REFUSED,
    SYNC_DATA_TYPES,
    UNEXPECTED,
    SyncFailed,
    SyncInterrupted,
    SyncOutcome,
)
from billpay.bills.services.sync.fetch import sync_data_type, sync_progress_save
from billpay.bills.services.sync.first_read import cache_read_times, first_read_check
from billpay.bills.sync_hooks import bills_synced_handlers
from billpay.codat import get_codat_client
from billpay.codat.errors import CodatError, CodatNotFoundError, CodatTransientError
from billpay.core.parsing import storable_text
from billpay.core.words import Phrase, as_phrase, error_phrase, phrase, store
from billpay.onboarding.errors import NotConnected
from billpay.onboarding.models import AccountingConnection, Company
from billpay.onboarding.selectors import connection_get_linked

if TYPE_CHECKING:
    from billpay.codat import CodatClient

logger = logging.getLogger(__name__)


def sync_run_queue(
    *,
    company: Company,
    trigger: str,
    full: bool = False,
    data_types: Iterable[str] | None = None,
    modified_from: datetime | None = None,
) -> tuple[SyncRun, bool]:
    """Queue a sync run of the company; returns (run, created) like get_or_create.

    Enqueues nothing: `bills.tasks.sync_start` does, for a created run; a caller that runs the
    sync itself (the billpay_sync command, a payment's verification) passes the run to
    `bills_sync`. `modified_from` (Codat's read.completed modifiedFromDate) lowers the
    incremental bound. **Idempotent:** while a run is active, returns it (merging in data types
    and bound) with created False: its task is already on its way.
    """
    wanted = [t for t in SYNC_DATA_TYPES if data_types is None or t in set(data_types)]
    _expire_stale_runs(company=company)
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                company=company,
                trigger=trigger,
                full=full,
                data_types=wanted,
                modified_from=modified_from,
            )
            return run, True
    except IntegrityError:
        with transaction.atomic():
            active = (
                SyncRun.objects.select_for_update()
                .filter(company=company, status__in=SyncRun.ACTIVE)
                .first()
            )
            if active is None:  # it finished in the meantime: try once more
                return sync_run_queue(
                    company=company,
                    trigger=trigger,
                    full=full,
                    data_types=data_types,
                    modified_from=modified_from,
                )
            if active.status != SyncRun.Status.RUNNING:
                active.data_types = [
                    t for t in SYNC_DATA_TYPES if t in active.data_types or t in wanted
                ]
                if modified_from and (
                    active.modified_from is None or modified_from < active.modified_from
                ):
                    active.modified_from = modified_from
                # Not save(): merging is no sign of life, and bumping updated_at would keep a
                # run whose task was lost from ever going stale.
                SyncRun.objects.filter(pk=active.pk).update(
                    data_types=active.data_types, modified_from=active.modified_from
                )
            return active, False


def bills_sync(*, run_id: int, announce: bool = True) -> SyncOutcome:
    """Execute a queued sync run.

    Once a run that read the bills succeeds, the apps above are told (`bills.sync_hooks`), unless
    `announce` is False: a caller that reads the mirror itself right after (a verification).
    **Idempotent:** claims the run first; a run already claimed or finished is skipped.
    **Raises:** CodatTransientError (the run is queued again for the retry). Any other error
    ends the run as failed before this returns.
    """
    now = timezone.now()
    claimed = SyncRun.objects.filter(
        pk=run_id, status__in=[SyncRun.Status.QUEUED, SyncRun.Status.WAITING]
    ).update(
        status=SyncRun.Status.RUNNING,
        started_at=models.functions.Coalesce("started_at", models.Value(now)),
        updated_at=now,
    )
    if not claimed:
        return SyncOutcome.SKIPPED
    run = SyncRun.objects.select_related("company").get(pk=run_id)
    company = run.company
    try:
        connection = connection_get_linked(company=company)
    except NotConnected as exc:
        _finish(run, SyncRun.Status.FAILED, error=as_phrase(exc.message))
        return SyncOutcome.DONE

    client = get_codat_client()
    try:
        outcome = _run(client, run, company, connection)
    except SyncInterrupted:
        logger.warning("sync run %s was expired while running: stopped", run.pk)
        return SyncOutcome.SKIPPED
    except CodatTransientError as exc:
        requeued = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.QUEUED,
            **store("error", error_phrase(exc)),
            counts=run.counts,
            api_calls=models.F("api_calls") + client.total_requests,
            updated_at=timezone.now(),
        )
        if not requeued:  # expired meanwhile: its replacement does the work
            return SyncOutcome.SKIPPED
        raise
    except SyncFailed as exc:
        logger.warning("sync of company %s failed: %s (%s)", company.pk, exc.message, exc.detail)
        _finish(run, SyncRun.Status.FAILED, error=exc.message, detail=exc.detail, client=client)
        return SyncOutcome.DONE
    except CodatError as exc:
        logger.warning("sync of company %s failed: %s", company.pk, exc)
        detail = f"{type(exc).__name__}: {exc}"
        _finish(run, SyncRun.Status.FAILED, error=error_phrase(exc), detail=detail, client=client)
        return SyncOutcome.DONE
    except Exception as exc:  # a bug or a surprise: the run must still end, and say so
        logger.exception("sync run %s of company %s crashed", run.pk, company.pk)
        detail = f"{type(exc).__name__}: {exc}"[:2000]
        _finish(run, SyncRun.Status.FAILED, error=phrase(UNEXPECTED), detail=detail, client=client)
        return SyncOutcome.DONE
    except BaseException:  # interrupted (Ctrl-C in billpay_sync, a worker shutting down)
        _finish(run, SyncRun.Status.FAILED, error=phrase(INTERRUPTED), client=client)
        raise
    finally:
        client.close()
    if outcome == SyncOutcome.WAITING:
        return outcome
    _finish(run, SyncRun.Status.SUCCEEDED, client=client)
    cache.delete(currencies_cache_key(company.pk))
    AccountingConnection.objects.filter(pk=connection.pk).update(last_synced_at=run.finished_at)
    if "bills" in run.data_types:
        bills_approvals_refresh(company=company)  # new bills to review meet their approvers
    if announce and "bills" in run.data_types:
        for handler in bills_synced_handlers():
            handler(company=company)
    return SyncOutcome.DONE


def _run(
    client: CodatClient, run: SyncRun, company: Company, connection: AccountingConnection
) -> SyncOutcome:
    states = {s.data_type: s for s in SyncState.objects.filter(company=company)}
    never_read = [t for t in run.data_types if not (t in states and states[t].watermark)]
    unsupported: set[str] = set()
    if never_read:
        ready, unsupported = first_read_check(client, run, company, connection, never_read)
        if not ready:
            SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
                status=SyncRun.Status.WAITING,
                queued_types=run.queued_types,
                api_calls=models.F("api_calls") + client.total_requests,
                updated_at=timezone.now(),
            )
            return SyncOutcome.WAITING
    full_deadline = cache_read_times(client, company) if run.full else {}
    for data_type in [t for t in SYNC_DATA_TYPES if t in run.data_types]:
        if data_type in unsupported:
            run.counts[data_type] = {"not_supported": True}
            _nothing_to_read(run, data_type)
            continue
        try:
            counts = sync_data_type(
                client, run, company, states.get(data_type), data_type, full_deadline
            )
        except CodatNotFoundError:
            if data_type not in OPTIONAL_TYPES:
                raise
            run.counts[data_type] = {"not_supported": True}  # "not supported by platform"
            _nothing_to_read(run, data_type)
            continue
        run.counts[data_type] = asdict(counts)
    return SyncOutcome.DONE


def _nothing_to_read(run: SyncRun, data_type: str) -> None:
    run.progress[data_type] = {"read": 0, "total": 0, "done": True}
    sync_progress_save(run)


def sync_run_fail(*, run_id: int, reason: Phrase | str, detail: str = "") -> None:
    """Mark an unfinished run failed (the task gave up): `reason` one of our phrases (a plain
    text is taken as a msgid). **Idempotent.**"""
    run = SyncRun.objects.filter(pk=run_id, status__in=SyncRun.ACTIVE).first()
    if run is not None:
        _finish(run, SyncRun.Status.FAILED, error=reason, detail=detail)


def _finish(
    run: SyncRun,
    status: str,
    *,
    error: Phrase | str = "",
    detail: str = "",
    client: CodatClient | None = None,
) -> None:
    said = store("error", error)
    run.status, run.finished_at = status, timezone.now()
    run.error, run.error_i18n = said["error"], said["error_i18n"]
    active = SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE)
    ending = {
        "status": status,
        **said,
        "finished_at": run.finished_at,
        "skipped": sum(c.get("skipped", 0) for c in run.counts.values()),
        "api_calls": models.F("api_calls") + (client.total_requests if client else 0),
        "updated_at": run.finished_at,
    }
    try:
        with transaction.atomic():
            active.update(
                **ending,
                error_detail=storable_text(detail),
                counts=run.counts,
                skip_reasons=run.skip_reasons,
            )
    except REFUSED:  # whatever the details hold, the run must end
        logger.exception("sync run %s: its details could not be stored", run.pk)
        active.update(**ending, error_detail="(details could not be stored)")


# A run that has not moved for SYNC_STALE_SECONDS (30 minutes by default) died with its worker
# (a SIGKILLed worker's message only comes back after the broker's visibility timeout): the next
# sync_run_queue (beat's schedule, a webhook, the button) fails it so that a new run can start.
def _expire_stale_runs(*, company: Company) -> None:
    cutoff = timezone.now() - timedelta(seconds=settings.SYNC_STALE_SECONDS)
    SyncRun.objects.filter(
        company=company, status__in=SyncRun.ACTIVE, updated_at__lt=cutoff
    ).update(
        status=SyncRun.Status.FAILED, finished_at=timezone.now(), **store("error", INTERRUPTED)
    )
