"""The two stores: the ledger (the accounting software) and Codat's cache that /data/* serves.

Modules: `datatypes` (what the books hold), `ledger`, `cache` (copied from the ledger when a read
completes) and `datasets` (the reads themselves and `dataStatus`).
"""

from billpay.sandbox.store.cache import cache_data, cache_row, sync_records
from billpay.sandbox.store.datasets import (
    READ_ERROR_MESSAGES,
    SUCCESSFUL_ENDS,
    complete_due_datasets,
    data_status,
    dataset_json,
    first_read_types,
    in_progress,
    injected_read_error,
    last_complete,
    not_supported,
    queue_dataset,
    refresh_if_stale,
)
from billpay.sandbox.store.datatypes import (
    BATCH,
    BOOK_TYPES,
    QUEUEABLE_TYPES,
    RECORD_TYPE,
    SCHEMAS,
)
from billpay.sandbox.store.ledger import (
    ledger_delete,
    ledger_exists,
    ledger_get,
    ledger_ids,
    ledger_put,
)

__all__ = [
    "BATCH",
    "BOOK_TYPES",
    "QUEUEABLE_TYPES",
    "READ_ERROR_MESSAGES",
    "RECORD_TYPE",
    "SCHEMAS",
    "SUCCESSFUL_ENDS",
    "cache_data",
    "cache_row",
    "complete_due_datasets",
    "data_status",
    "dataset_json",
    "first_read_types",
    "in_progress",
    "injected_read_error",
    "last_complete",
    "ledger_delete",
    "ledger_exists",
    "ledger_get",
    "ledger_ids",
    "ledger_put",
    "not_supported",
    "queue_dataset",
    "refresh_if_stale",
    "sync_records",
]
