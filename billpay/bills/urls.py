from django.urls import path

from billpay.bills.views import create, credit_notes, review, selection

app_name = "bills"
urlpatterns = [
    path("bills/", review.inbox, name="inbox"),
    path("bills/totals/", review.inbox_totals, name="inbox-totals"),
    path("bills/export.csv", review.inbox_csv, name="inbox-csv"),
    # the inbox's ticked bills: approve them all ("Pay selected" posts to runs:run-create)
    path("bills/selection/", selection.bill_selection, name="bill-selection"),
    path("bills/<int:bill_id>/", review.bill_detail, name="bill-detail"),
    path("bills/<int:bill_id>/attachments/", review.bill_attachments, name="bill-attachments"),
    # path, not str: an attachment id is whatever the books say, and one with a "/" must
    # still reverse (NoReverseMatch would turn the whole attachments list into a 500). The
    # client percent-encodes it (safe="") before it goes to Codat.
    path(
        "bills/<int:bill_id>/attachments/<path:attachment_id>/",
        review.bill_attachment_download,
        name="bill-attachment-download",
    ),
    # The invoice shown inside the bill's page (PDFs and images only; others download).
    path(
        "bills/<int:bill_id>/preview/<path:attachment_id>/",
        review.bill_attachment_preview,
        name="bill-attachment-preview",
    ),
    path("bills/<int:bill_id>/review/", review.bill_review, name="bill-review"),
    path("bills/<int:bill_id>/notes/", review.bill_note, name="bill-note"),
    path("suppliers/", review.suppliers, name="suppliers"),
    path("sync/", review.sync_now, name="sync-now"),
    path("sync/status/", review.sync_status, name="sync-status"),
    # bills and suppliers created here and written to the books (issue 5)
    path("bills/new/", create.bill_new, name="bill-new"),
    path("bills/new/totals/", create.bill_form_totals, name="bill-form-totals"),
    path("bills/new/suppliers/", create.supplier_options, name="supplier-options"),
    path("bills/<int:bill_id>/edit/", create.bill_edit, name="bill-edit"),
    path("bills/<int:bill_id>/delete/", create.bill_delete, name="bill-delete"),
    path("bills/<int:bill_id>/resend/", create.bill_resend, name="bill-resend"),
    # any bill in the books, deleted there by an owner or admin after a confirmation (issue 16)
    path(
        "bills/<int:bill_id>/delete-in-books/",
        create.bill_delete_in_books,
        name="bill-delete-in-books",
    ),
    path("bills/<int:bill_id>/push/", create.bill_push_status, name="bill-push-status"),
    path("suppliers/new/", create.supplier_new, name="supplier-new"),
    path("suppliers/<int:supplier_id>/edit/", create.supplier_edit, name="supplier-edit"),
    # a supplier's page, and its credit notes created here (issue 16)
    path("suppliers/<int:supplier_id>/", credit_notes.supplier_detail, name="supplier-detail"),
    path(
        "suppliers/<int:supplier_id>/credit-notes/new/",
        credit_notes.credit_note_new,
        name="credit-note-new",
    ),
]
