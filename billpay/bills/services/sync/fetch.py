"""Reading one data type from its watermark, a page at a time, and writing it batch by batch.

A batch the database refuses is retried record by record, so one bad record never sinks a sync;
the next page downloads in a thread while this one is written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from queue import Full, Queue
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from billpay.bills.models import SyncRun, SyncState
from billpay.bills.services.sync.common import (
    MAX_SKIP_REASONS,
    REFUSED,
    SyncInterrupted,
    TypeCounts,
    aware,
)
from billpay.bills.services.sync.records import TYPES, TypeSpec
from billpay.bills.services.sync.vanished import mark_vanished
from billpay.core.parsing import storable_text
from billpay.onboarding.models import Company

if TYPE_CHECKING:
    from billpay.codat import CodatClient

logger = logging.getLogger(__name__)


def sync_data_type(
    client: CodatClient,
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

    # The progress bar's mark: records read of Codat's totalResults, saved with each batch.
    mark = run.progress.setdefault(data_type, {"read": 0, "total": None, "done": False})

    def total(value: int) -> None:
        mark["total"] = value

    records = spec.list(client)(
        company_id=company.codat_company_id,
        query=query,
        page_size=settings.CODAT_SYNC_PAGE_SIZE,
        on_invalid=undecodable,
        on_total=total,
    )
    for batch in _read_ahead(_batches(records, settings.CODAT_SYNC_PAGE_SIZE)):
        counts.read += len(batch)
        mark["read"] = counts.read
        # Codat sends modifiedDate with and without an offset: compare them all as aware.
        newest = max((aware(r.modified_date) for r in batch if r.modified_date), default=None)
        if newest is not None:
            watermark = max(watermark, newest) if watermark else newest
        if run.full:
            seen.update(r.id for r in batch)
        _write_batch(run, spec, company, batch, counts, data_type)
    if run.full:
        counts.deleted += mark_vanished(
            spec.model, spec.key, company, seen, cache_read_times.get(data_type)
        )
    SyncState.objects.update_or_create(
        company=company,
        data_type=data_type,
        defaults={"watermark": watermark, "synced_at": timezone.now()},
    )
    mark.update(read=counts.read, done=True)
    sync_progress_save(run)
    return counts


def sync_progress_save(run: SyncRun) -> None:
    """Save the run's progress marks while it runs (a run no longer running is left alone)."""
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        progress=run.progress, updated_at=timezone.now()
    )


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
        records_read=models.F("records_read") + read,
        progress=run.progress,
        updated_at=timezone.now(),
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


def _codat_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
