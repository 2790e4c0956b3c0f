"""The bills app's pages: the inbox and a bill's page (`review`), the inbox's ticked bills
(`selection`), and bills and suppliers made here (`create`). `urls.py` routes to the modules; the names are re-exported for other callers."""

from billpay.bills.views.create import (
    bill_delete,
    bill_delete_in_books,
    bill_edit,
    bill_form_totals,
    bill_new,
    bill_push_status,
    bill_resend,
    supplier_edit,
    supplier_new,
    supplier_options,
)
from billpay.bills.views.review import (
    bill_attachment_download,
    bill_attachment_preview,
    bill_attachments,
    bill_detail,
    bill_note,
    bill_review,
    inbox,
    inbox_csv,
    inbox_totals,
    suppliers,
    sync_now,
    sync_status,
)
from billpay.bills.views.selection import bill_selection

__all__ = [
    "bill_attachment_download",
    "bill_attachment_preview",
    "bill_attachments",
    "bill_delete",
    "bill_delete_in_books",
    "bill_detail",
    "bill_edit",
    "bill_form_totals",
    "bill_new",
    "bill_note",
    "bill_push_status",
    "bill_resend",
    "bill_review",
    "bill_selection",
    "inbox",
    "inbox_csv",
    "inbox_totals",
    "supplier_edit",
    "supplier_new",
    "supplier_options",
    "suppliers",
    "sync_now",
    "sync_status",
]
