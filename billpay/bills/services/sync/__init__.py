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
- Records our columns cannot hold exactly are skipped and counted (`checks`); a batch the
  database refuses is retried record by record, so one bad record never sinks a sync.
- A transient Codat error puts the run back to queued and propagates (the task retries); any
  other error, Codat's or not, fails the run at once with a true reason, freeing the
  one-active-run guard.

Modules: `runs` (a run's life), `first_read` (waiting for Codat's first read), `fetch` (reading a
data type in pages and writing it in batches), `records` (Codat's records as our rows), `mirror`
(the upsert), `vanished` (what a full sync no longer finds), `checks` (what our columns can't hold).
"""

from billpay.bills.services.sync.common import DATA_TYPE_BY_KEY, SYNC_DATA_TYPES, SyncOutcome
from billpay.bills.services.sync.runs import (
    bills_sync,
    sync_run_fail,
    sync_run_queue,
)

__all__ = [
    "DATA_TYPE_BY_KEY",
    "SYNC_DATA_TYPES",
    "SyncOutcome",
    "bills_sync",
    "sync_run_fail",
    "sync_run_queue",
]
