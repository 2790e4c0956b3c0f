from billpay.bills.services.attachments import bill_attachment_download, bill_attachments_list
from billpay.bills.services.review import BulkApproval, bill_note_add, bill_review, bills_approve
from billpay.bills.services.revision import bills_changed
from billpay.bills.services.sync import (
    SYNC_DATA_TYPES,
    SyncOutcome,
    bills_sync,
    sync_run_fail,
    sync_run_queue,
)

__all__ = [
    "BulkApproval",
    "bills_approve",
    "bills_changed",
    "bill_attachment_download",
    "bill_attachments_list",
    "SYNC_DATA_TYPES",
    "SyncOutcome",
    "bill_note_add",
    "bill_review",
    "bills_sync",
    "sync_run_queue",
    "sync_run_fail",
    "sync_run_queue",
]
