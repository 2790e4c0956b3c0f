"""Reading the books into the mirror: the sync of one company.

A SyncRun moves queued → running → succeeded | failed, with a detour through waiting while
Codat has not finished its first read of a newly linked company:
- `sync_run_queue` creates the queued run (or returns the active one: the database allows one
  active run per company); `bills.tasks.sync_start` also enqueues `bills_sync_task` after commit.
- `bills_sync` claims the run with a conditional UPDATE, so a redelivered task does nothing.
- Each data type is read from its watermark (`modifiedDate > watermark − overlap`) one page at a
  time and upserted in bulk keyed by (company, Codat id); rows whose modifiedDate did not change
  are skipped, and local review state is never in the update. A full sync also marks records
  that vanished from the books as deleted.
- Codat's first read of a new company covers only the data types configured as "fetch on first
  link" (tax rates are not among Bill Pay's defaults): a type missing from `dataStatus` is queued
  once (`data/queue`) and waited for; an error status ends the wait with words for the owner and
  Codat's status for staff. A type the platform does not support is skipped if optional.
- Records our columns cannot hold exactly are skipped and counted (`sync_checks`); a batch the
  database refuses is retried record by record, so one bad record never sinks a sync.
- A transient Codat error puts the run back to queued and propagates (the task retries); any
  other error, Codat's or not, fails the run at once with a true reason, freeing the
  one-active-run guard.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import islice
from queue import Full, Queue
from typing import Any

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone

from billpay.bills.models import (
    LOCAL_ID_PREFIX,
    Bill,
    BillAllocation,
    BillLine,
    Supplier,
    SyncRun,
    SyncState,
    TaxRate,
)
from billpay.bills.selectors import currencies_cache_key
from billpay.bills.services import bulk
from billpay.bills.services.sync_checks import first_problem, row_problem
from billpay.codat import get_codat_client
from billpay.codat.errors import (
    CodatConflictError,
    CodatError,
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatTransientError,
)
from billpay.core.parsing import storable_text
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.errors import NotConnected
from billpay.onboarding.models import AccountingConnection, Company
from billpay.onboarding.selectors import connection_get_linked

logger = logging.getLogger(__name__)

# Suppliers first, so bills can point at them.
SYNC_DATA_TYPES = ("suppliers", "taxRates", "accounts", "bills")
# Codat's dataStatus keys for our data types.
DATASET_KEYS = {
    "suppliers": "suppliers",
    "taxRates": "taxRates",
    "accounts": "chartOfAccounts",
    "bills": "bills",
}
DATA_TYPE_BY_KEY = {key: data_type for data_type, key in DATASET_KEYS.items()}
# Types the app works without when the platform has none (a sync of the rest goes on).
OPTIONAL_TYPES = {"taxRates"}
# Words for the owner, per data type.
TYPE_NAMES = {
    "suppliers": "suppliers",
    "taxRates": "tax rates",
    "accounts": "chart of accounts",
    "bills": "bills",
}
# Codat's dataStatus `currentStatus` values while a read is still going.
READ_IN_PROGRESS = {
    "Initial",
    "Queued",
    "Fetching",
    "MapQueued",
    "Mapping",
    "ProcessingQueued",
    "Processing",
    "ValidationQueued",
    "Validating",
}
# The ones that end a read without data, and what the owner is told (an unknown status is
# waited for: the wait itself is bounded by SYNC_WAIT_RETRIES).
READ_ERRORS = {
    "AuthError": "{platform} refused access to your {what}. Reconnect it from the Connection "
    "page, with a user allowed to see bills and suppliers.",
    "PermissionsError": "The user who connected {platform} is not allowed to see your {what}. "
    "Reconnect with a user who is.",
    "PrerequisiteNotMet": "{platform} needs something set up before your {what} can be read. "
    "Check your accounting software's settings, then sync again.",
    "RateLimitError": "{platform} is limiting how fast it can be read. Sync again in an hour.",
    "Cancelled": "Reading your {what} was cancelled. Sync again to retry.",
    "NotSupported": "{platform} does not share {what} with BillPay, so we cannot list your bills.",
}
READ_FAILED = (
    "We could not read your {what} from {platform}. This is usually temporary: sync again in a "
    "few minutes, and if it keeps failing, contact support."
)  # FetchError, MapError, InternalError, ProcessingError, ValidationError
READ_ERROR_STATUSES = {
    *READ_ERRORS,
    "FetchError",
    "MapError",
    "InternalError",
    "ProcessingError",
    "ValidationError",
}
UNEXPECTED = (
    "Something went wrong while reading your books. Sync again in a few minutes; if it keeps "
    "failing, contact support."
)
MAX_SKIP_REASONS = 20
# A read already under way when one of our writes landed may finish after it without it.
UNSEEN_MARGIN = timedelta(minutes=10)


class SyncOutcome(StrEnum):
    DONE = "done"
    WAITING = "waiting"  # Codat's first read is not finished: try again shortly
    SKIPPED = "skipped"  # the run was not ours to execute (finished, or running elsewhere)


class SyncInterrupted(Exception):
    """The run was expired as stale while it was still going: another run has replaced it."""


class SyncFailed(Exception):
    """The sync cannot go on: `message` is for the owner, `detail` for staff."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message, self.detail = message, detail


@dataclass
class TypeCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0


def sync_request(
    *,
    company: Company,
    trigger: str,
    full: bool = False,
    data_types: Iterable[str] | None = None,
    enqueue: bool = True,
    modified_from: datetime | None = None,
) -> SyncRun:
    """Transitional: `sync_run_queue`, plus (if `enqueue`) the enqueue of `bills.tasks.sync_start`.

    TODO(#11): only the write-backs still call this (payments, mapping, bills.services.writes and
    their tests); delete it once they move to billpay.pushes. Everything else calls
    `bills.tasks.sync_start` (enqueues) or `sync_run_queue` (runs the sync itself).
    """
    if enqueue:
        # The one service-to-tasks import left (tests/core/test_architecture.py allows it).
        from billpay.bills.tasks import sync_start

        return sync_start(
            company=company,
            trigger=trigger,
            full=full,
            data_types=data_types,
            modified_from=modified_from,
        )
    run, _ = sync_run_queue(
        company=company,
        trigger=trigger,
        full=full,
        data_types=data_types,
        modified_from=modified_from,
    )
    return run


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
    sync itself (the billpay_sync command) passes the run to `bills_sync`.
    `modified_from` (Codat's read.completed modifiedFromDate) lowers the incremental bound.
    **Idempotent:** while a run is active, returns it (merging in data types and bound) with
    created False: its task is already on its way.
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


def bills_sync(*, run_id: int) -> SyncOutcome:
    """Execute a queued sync run.

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
        _finish(run, SyncRun.Status.FAILED, error=exc.message)
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
            error=exc.user_message,
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
        _finish(run, SyncRun.Status.FAILED, error=exc.user_message, detail=detail, client=client)
        return SyncOutcome.DONE
    except Exception as exc:  # a bug or a surprise: the run must still end, and say so
        logger.exception("sync run %s of company %s crashed", run.pk, company.pk)
        detail = f"{type(exc).__name__}: {exc}"[:2000]
        _finish(run, SyncRun.Status.FAILED, error=UNEXPECTED, detail=detail, client=client)
        return SyncOutcome.DONE
    except BaseException:  # interrupted (Ctrl-C in billpay_sync, a worker shutting down)
        _finish(run, SyncRun.Status.FAILED, error="The sync was interrupted.", client=client)
        raise
    finally:
        client.close()
    if outcome == SyncOutcome.WAITING:
        return outcome
    _finish(run, SyncRun.Status.SUCCEEDED, client=client)
    cache.delete(currencies_cache_key(company.pk))
    AccountingConnection.objects.filter(pk=connection.pk).update(last_synced_at=run.finished_at)
    return SyncOutcome.DONE


def _run(client: Any, run: SyncRun, company: Company, connection: Any) -> SyncOutcome:
    states = {s.data_type: s for s in SyncState.objects.filter(company=company)}
    never_read = [t for t in run.data_types if not (t in states and states[t].watermark)]
    unsupported: set[str] = set()
    if never_read:
        ready, unsupported = _first_read(client, run, company, connection, never_read)
        if not ready:
            SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
                status=SyncRun.Status.WAITING,
                queued_types=run.queued_types,
                api_calls=models.F("api_calls") + client.total_requests,
                updated_at=timezone.now(),
            )
            return SyncOutcome.WAITING
    full_deadline = _cache_read_times(client, company) if run.full else {}
    for data_type in [t for t in SYNC_DATA_TYPES if t in run.data_types]:
        if data_type in unsupported:
            run.counts[data_type] = {"not_supported": True}
            continue
        try:
            counts = _sync_data_type(
                client, run, company, states.get(data_type), data_type, full_deadline
            )
        except CodatNotFoundError:
            if data_type not in OPTIONAL_TYPES:
                raise
            run.counts[data_type] = {"not_supported": True}  # "not supported by platform"
            continue
        run.counts[data_type] = asdict(counts)
    return SyncOutcome.DONE


def sync_run_fail(*, run_id: int, reason: str, detail: str = "") -> None:
    """Mark an unfinished run failed (the task gave up). **Idempotent.**"""
    run = SyncRun.objects.filter(pk=run_id, status__in=SyncRun.ACTIVE).first()
    if run is not None:
        _finish(run, SyncRun.Status.FAILED, error=reason, detail=detail)


# --- internals ------------------------------------------------------------------------------------


def _finish(
    run: SyncRun, status: str, *, error: str = "", detail: str = "", client: Any = None
) -> None:
    run.status, run.error, run.finished_at = status, error, timezone.now()
    active = SyncRun.objects.filter(pk=run.pk, status__in=SyncRun.ACTIVE)
    ending = {
        "status": status,
        "error": error,
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
        status=SyncRun.Status.FAILED, error="The sync was interrupted.", finished_at=timezone.now()
    )


def _first_read(
    client: Any, run: SyncRun, company: Company, connection: Any, data_types: list[str]
) -> tuple[bool, set[str]]:
    """Whether Codat has read these types at least once, and which the platform lacks.

    A type missing from dataStatus was not part of Codat's first read: it is queued once per
    run. **Raises:** SyncFailed when a read ended in an error status and never succeeded.
    """
    statuses = client.get_data_status(company_id=company.codat_company_id)
    ready, unsupported = True, set()
    for data_type in data_types:
        key = DATASET_KEYS[data_type]
        status = statuses.get(key)
        current = status.current_status if status else None
        if status is not None and (current == "Complete" or status.last_successful_sync):
            continue  # read at least once: the data is there to read
        if current is None:
            if key not in run.queued_types:
                if not _queue_read(client, company, run, key):
                    unsupported.add(data_type)
                    continue
                run.queued_types.append(key)
            ready = False
        elif current == "NotSupported" and data_type in OPTIONAL_TYPES:
            unsupported.add(data_type)
        elif current in READ_ERROR_STATUSES:
            template = READ_ERRORS.get(current, READ_FAILED)
            raise SyncFailed(
                template.format(
                    platform=connection.platform_name or "Your accounting software",
                    what=TYPE_NAMES[data_type],
                ),
                detail=f"Codat dataStatus {key}: {current}",
            )
        else:  # still reading, or a status newer than this code: wait (the wait is bounded)
            ready = False
    return ready, unsupported


def _queue_read(client: Any, company: Company, run: SyncRun, key: str) -> bool:
    """Ask Codat to read one data type; False if the platform does not have it."""
    try:
        client.refresh_data_type(
            company_id=company.codat_company_id,
            data_type=key,
            idempotency_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"billpay:sync:{run.pk}:{key}")),
        )
    except CodatConflictError:
        pass  # already being read: wait for it like for a queued one
    except CodatOutcomeUnknownError:
        pass  # it may have been queued; dataStatus will tell, and the wait is bounded
    except CodatNotFoundError:
        if DATA_TYPE_BY_KEY[key] in OPTIONAL_TYPES:
            return False
        raise
    return True


def _cache_read_times(client: Any, company: Company) -> dict[str, datetime]:
    """When Codat's cache last read each of our data types (for a full resync's deletions)."""
    statuses = client.get_data_status(company_id=company.codat_company_id)
    times = {}
    for data_type, key in DATASET_KEYS.items():
        status = statuses.get(key)
        if status is not None and status.last_successful_sync is not None:
            times[data_type] = _aware(status.last_successful_sync)
    return times


def _sync_data_type(
    client: Any,
    run: SyncRun,
    company: Company,
    state: SyncState | None,
    data_type: str,
    cache_read_times: dict[str, datetime],
) -> TypeCounts:
    spec = TYPES[data_type]
    # Incremental reads ask for modifiedDate > watermark (the newest modifiedDate seen), to the
    # microsecond. A fixed overlap before the watermark would re-read, on every sync, every record
    # stamped near the newest one: after a first read, where Codat stamps all records within
    # moments, that is all of them, forever. Records Codat stamps late are covered instead by its
    # read.completed webhook, whose modifiedFromDate becomes the run's lower bound (>=), and by the
    # staff full resync.
    query = None
    if not run.full and state is not None and state.watermark is not None:
        query = f"modifiedDate>{_codat_time(state.watermark)}"
        if run.modified_from and run.modified_from <= state.watermark:
            query = f"modifiedDate>={_codat_time(run.modified_from)}"
    counts, watermark, seen = TypeCounts(), state.watermark if state else None, set()

    def undecodable(raw: Any, reason: str) -> None:
        counts.read += 1
        _skip(run, counts, data_type, raw.get("id") if isinstance(raw, dict) else None, reason)

    records = spec.list(client)(
        company_id=company.codat_company_id,
        query=query,
        page_size=settings.CODAT_SYNC_PAGE_SIZE,
        on_invalid=undecodable,
    )
    for batch in _read_ahead(_batches(records, settings.CODAT_SYNC_PAGE_SIZE)):
        counts.read += len(batch)
        # Codat sends modifiedDate with and without an offset: compare them all as aware.
        newest = max((_aware(r.modified_date) for r in batch if r.modified_date), default=None)
        if newest is not None:
            watermark = max(watermark, newest) if watermark else newest
        if run.full:
            seen.update(r.id for r in batch)
        _write_batch(run, spec, company, batch, counts, data_type)
    if run.full:
        counts.deleted += _mark_vanished(
            spec.model, spec.key, company, seen, cache_read_times.get(data_type)
        )
    SyncState.objects.update_or_create(
        company=company,
        data_type=data_type,
        defaults={"watermark": watermark, "synced_at": timezone.now()},
    )
    return counts


# What the database raises for a value the checks let through (a NUL inside the raw JSON, a
# lone surrogate): the batch is then written record by record to find the culprit.
REFUSED = (DataError, psycopg.DataError, ValueError)


def _write_batch(
    run: SyncRun, spec: TypeSpec, company: Company, batch: list, counts: TypeCounts, data_type: str
) -> None:
    attempt, skipped = TypeCounts(), []
    try:
        with transaction.atomic():
            _fence(run, len(batch))
            spec.write(company, batch, attempt, run.full, skipped)
    except REFUSED:
        logger.warning(
            "sync run %s: a %s batch was refused; writing it one by one", run.pk, data_type
        )
        attempt, skipped = TypeCounts(), []
        with transaction.atomic():
            _fence(run, len(batch))
        for record in batch:
            one, one_skipped = TypeCounts(), []
            try:
                with transaction.atomic():
                    spec.write(company, [record], one, run.full, one_skipped)
            except REFUSED as exc:
                one_skipped = [(record.id, f"the database refused it ({type(exc).__name__})")]
                one = TypeCounts()
            _add(attempt, one)
            skipped.extend(one_skipped)
    _add(counts, attempt)
    for record_id, reason in skipped:
        _skip(run, counts, data_type, record_id, reason)


def _fence(run: SyncRun, read: int) -> None:
    # A run taken for dead (expired as stale) stops here instead of racing the run that
    # replaced it; the progress mark commits with the batch it counts.
    alive = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        records_read=models.F("records_read") + read, updated_at=timezone.now()
    )
    if not alive:
        raise SyncInterrupted(run.pk)


def _add(total: TypeCounts, part: TypeCounts) -> None:
    for name in ("created", "updated", "deleted", "unchanged"):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def _skip(run: SyncRun, counts: TypeCounts, data_type: str, record_id: Any, reason: str) -> None:
    counts.skipped += 1
    if len(run.skip_reasons) < MAX_SKIP_REASONS:
        label = str(record_id)[:60] if record_id not in (None, "") else "without an id"
        run.skip_reasons.append(storable_text(f"{data_type} {label}: {reason}"))


def _read_ahead(batches: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The same batches, the next one downloading in a thread while the caller writes this one.

    Network waits and database writes then overlap; only that thread uses the client's session
    until the iteration ends. An error in the thread is raised here, in the caller.
    """
    queue: Queue = Queue(maxsize=1)
    stop, end = threading.Event(), object()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        queue.put(batch, timeout=0.5)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(end)
        except BaseException as exc:  # handed to the caller, which raises it
            queue.put(exc)

    thread = threading.Thread(target=produce, name="sync-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=30)


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert(
    model: type[models.Model],
    key: str,
    company: Company,
    rows: list,
    counts: TypeCounts,
    full: bool,
) -> list:
    """Insert or update rows in one statement; returns the rows that were written."""
    unique = {getattr(r, key): r for r in rows}  # a record twice in one batch: keep the last
    existing = {
        k: (modified, deleted)
        for k, modified, deleted in model.objects.filter(
            company=company, **{f"{key}__in": list(unique)}
        ).values_list(key, "modified_date", "is_deleted")
    }
    changed = []
    for code, row in unique.items():
        before = existing.get(code)
        if before is None:
            if row.is_deleted:
                continue  # deleted before we ever saw it
            counts.created += 1
        elif not full and before == (row.modified_date, row.is_deleted):
            counts.unchanged += 1
            continue
        elif row.is_deleted and not before[1]:
            counts.deleted += 1
        else:
            counts.updated += 1
        changed.append(row)
    bulk.upsert(
        model,
        changed,
        unique_fields=["company", key],
        update_fields=[f for f in UPDATE_FIELDS[model] if f != key],
    )
    return changed


def _mark_vanished(
    model: type[models.Model],
    key: str,
    company: Company,
    seen: set[str],
    cache_read_at: datetime | None,
) -> int:
    """Mark deleted what a full read no longer lists.

    Not what the app itself created in the books and Codat's cache has not read yet: a record
    never seen in the cache (no modifiedDate) is spared unless it was written here well before
    the cache's last successful read of its type (the margin covers a read already under way
    when our write landed). Without that read time, it is spared.
    """
    present = model.objects.filter(company=company, is_deleted=False).exclude(
        **{f"{key}__startswith": LOCAL_ID_PREFIX}  # placeholders: not in the books yet
    )
    unseen = models.Q(modified_date__isnull=True)
    if cache_read_at is None:
        present = present.exclude(unseen)
    else:
        cutoff = cache_read_at - UNSEEN_MARGIN
        present = present.exclude(unseen & models.Q(synced_at__gt=cutoff))
    gone = [
        pk
        for pk, code in present.values_list("pk", key).iterator(chunk_size=5000)
        if code not in seen
    ]
    for start in range(0, len(gone), 5000):
        model.objects.filter(pk__in=gone[start : start + 5000]).update(is_deleted=True)
    return len(gone)


def _keep(rows: list, records: list, skipped: list[tuple[str, str]]) -> list:
    """The rows whose record our columns can hold; the others go to `skipped` with why."""
    kept = []
    for row, record in zip(rows, records, strict=True):
        problem = row_problem(row, record.raw)
        if problem:
            skipped.append((record.id, problem))
        else:
            kept.append(row)
    return kept


def _write_suppliers(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    rows = [
        Supplier(
            company=company,
            codat_supplier_id=r.id,
            name=r.supplier_name or "",
            contact_name=r.contact_name or "",
            email=r.email_address or "",
            phone=r.phone or "",
            tax_number=r.tax_number or "",
            default_currency=r.default_currency or "",
            status=r.status or "",
            addresses=[dict(a.raw) for a in r.addresses],
            **_mirror(r),
        )
        for r in records
    ]
    _upsert(Supplier, "codat_supplier_id", company, _keep(rows, records, skipped), counts, full)


def _write_tax_rates(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    rows = [
        TaxRate(
            company=company,
            codat_tax_rate_id=r.id,
            name=r.name or "",
            code=r.code or "",
            effective_tax_rate=r.effective_tax_rate,
            status=r.status or "",
            **_mirror(r),
        )
        for r in records
    ]
    _upsert(TaxRate, "codat_tax_rate_id", company, _keep(rows, records, skipped), counts, full)


def _write_accounts(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    rows = [
        LedgerAccount(
            company=company,
            codat_account_id=r.id,
            name=r.name or "",
            nominal_code=r.nominal_code or "",
            fully_qualified_name=r.fully_qualified_name or "",
            fully_qualified_category=r.fully_qualified_category or "",
            account_type=r.type or "",
            status=r.status or "",
            currency=r.currency or "",
            current_balance=r.current_balance,
            is_bank_account=bool(r.is_bank_account),
            **_mirror(r),
        )
        for r in records
    ]
    rows = _keep(rows, records, skipped)
    _upsert(LedgerAccount, "codat_account_id", company, rows, counts, full)


def _write_bills(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    suppliers = dict(
        Supplier.objects.filter(company=company).values_list("codat_supplier_id", "name")
    )
    supplier_pks = dict(
        Supplier.objects.filter(company=company).values_list("codat_supplier_id", "pk")
    )
    by_id = {r.id: r for r in records}
    rows, lines, allocations = [], {}, {}
    for r in by_id.values():
        supplier_id = (r.supplier_ref.id if r.supplier_ref else None) or ""
        supplier_name = (r.supplier_ref.supplier_name if r.supplier_ref else None) or suppliers.get(
            supplier_id, ""
        )
        descriptions = " ".join(line.description or "" for line in r.line_items)
        bill = Bill(
            company=company,
            codat_bill_id=r.id,
            supplier_id=supplier_pks.get(supplier_id),
            codat_supplier_id=supplier_id,
            supplier_name=supplier_name,
            reference=r.reference or "",
            issue_date=_date(r.issue_date),
            due_date=_date(r.due_date),
            currency=r.currency or "",
            currency_rate=r.currency_rate,
            sub_total=r.sub_total or 0,
            tax_amount=r.tax_amount or 0,
            total_amount=r.total_amount or 0,
            amount_due=r.amount_due or 0,
            codat_status=r.status or "",
            note=r.note or "",
            search_text=f"{supplier_name} {r.reference or ''} {descriptions}".lower(),
            **_mirror(r),
        )
        lines[r.id], allocations[r.id] = _bill_lines(company, r), _bill_allocations(company, r)
        problem = (
            row_problem(bill, r.raw)
            or first_problem(BillLine, lines[r.id])
            or first_problem(BillAllocation, allocations[r.id])
        )
        if problem:
            skipped.append((r.id, problem))
        else:
            rows.append(bill)
    written = _upsert(Bill, "codat_bill_id", company, rows, counts, full)
    if not written:
        return
    bill_pks = {b.codat_bill_id: b.pk for b in written}
    if None in bill_pks.values():  # backends that do not return ids from an upsert
        bill_pks = dict(
            Bill.objects.filter(company=company, codat_bill_id__in=list(bill_pks)).values_list(
                "codat_bill_id", "pk"
            )
        )
    BillLine.objects.filter(bill_id__in=bill_pks.values()).delete()
    BillAllocation.objects.filter(bill_id__in=bill_pks.values()).delete()
    bulk.insert(
        BillLine, [{**line, "bill_id": pk} for code, pk in bill_pks.items() for line in lines[code]]
    )
    bulk.insert(
        BillAllocation,
        [{**alloc, "bill_id": pk} for code, pk in bill_pks.items() for alloc in allocations[code]],
    )


def _bill_lines(company: Company, record: Any) -> list[dict]:
    return [
        {
            "company_id": company.pk,
            "position": position,
            "description": item.description or "",
            "quantity": item.quantity if item.quantity is not None else 1,
            "unit_amount": item.unit_amount or 0,
            "discount_amount": item.discount_amount,
            "sub_total": item.sub_total,
            "tax_amount": item.tax_amount,
            "total_amount": item.total_amount,
            "codat_account_id": (item.account_ref.id if item.account_ref else None) or "",
            "account_name": (item.account_ref.name if item.account_ref else None) or "",
            "codat_tax_rate_id": (item.tax_rate_ref.id if item.tax_rate_ref else None) or "",
            "tax_rate_name": (item.tax_rate_ref.name if item.tax_rate_ref else None) or "",
        }
        for position, item in enumerate(record.line_items, start=1)
    ]


def _bill_allocations(company: Company, record: Any) -> list[dict]:
    allocations = []
    for alloc in record.payment_allocations:
        payment, allocation = alloc.payment, alloc.allocation
        if allocation is None or allocation.total_amount is None:
            continue
        allocations.append(
            {
                "company_id": company.pk,
                "codat_payment_id": (payment.id if payment else None) or "",
                "payment_note": (payment.note if payment else None) or "",
                "paid_on": _aware(payment.paid_on_date)
                if payment and payment.paid_on_date
                else None,
                "allocated_on": _aware(allocation.allocated_on_date)
                if allocation.allocated_on_date
                else None,
                "amount": allocation.total_amount,
                "currency": allocation.currency or record.currency or "",
            }
        )
    return allocations


def _mirror(record: Any) -> dict:
    return {
        "modified_date": _aware(record.modified_date) if record.modified_date else None,
        "is_deleted": bool(record.is_deleted),
        "raw": dict(record.raw),
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _date(value: datetime | None):
    # Business dates: Codat sends midnight local time, with or without an offset; keep the day.
    return value.date() if value else None


def _codat_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class TypeSpec:
    model: type[models.Model]
    key: str
    list: Callable[[Any], Callable[..., Iterator[Any]]]
    write: Callable[[Company, list, TypeCounts, bool, list], None]


TYPES = {
    "suppliers": TypeSpec(
        Supplier, "codat_supplier_id", lambda c: c.list_suppliers, _write_suppliers
    ),
    "taxRates": TypeSpec(
        TaxRate, "codat_tax_rate_id", lambda c: c.list_tax_rates, _write_tax_rates
    ),
    "accounts": TypeSpec(
        LedgerAccount, "codat_account_id", lambda c: c.list_accounts, _write_accounts
    ),
    "bills": TypeSpec(Bill, "codat_bill_id", lambda c: c.list_bills, _write_bills),
}

# Remote fields only: the review state and other local fields are never in an upsert.
_MIRROR_FIELDS = ["modified_date", "is_deleted", "raw", "synced_at"]
UPDATE_FIELDS = {
    Supplier: [
        "name",
        "contact_name",
        "email",
        "phone",
        "tax_number",
        "default_currency",
        "status",
        "addresses",
        *_MIRROR_FIELDS,
    ],
    TaxRate: ["name", "code", "effective_tax_rate", "status", *_MIRROR_FIELDS],
    LedgerAccount: [
        "name",
        "nominal_code",
        "fully_qualified_name",
        "fully_qualified_category",
        "account_type",
        "status",
        "currency",
        "current_balance",
        "is_bank_account",
        *_MIRROR_FIELDS,
    ],
    Bill: [
        "supplier",
        "codat_supplier_id",
        "supplier_name",
        "reference",
        "issue_date",
        "due_date",
        "currency",
        "currency_rate",
        "sub_total",
        "tax_amount",
        "total_amount",
        "amount_due",
        "codat_status",
        "note",
        "search_text",
        *_MIRROR_FIELDS,
    ],
}
