from django.urls import path

from billpay.bills import views

app_name = "bills"
urlpatterns = [
    path("bills/", views.inbox, name="inbox"),
    path("bills/totals/", views.inbox_totals, name="inbox-totals"),
    path("bills/export.csv", views.inbox_csv, name="inbox-csv"),
    path("bills/<int:bill_id>/", views.bill_detail, name="bill-detail"),
    path("bills/<int:bill_id>/attachments/", views.bill_attachments, name="bill-attachments"),
    # path, not str: an attachment id is whatever the books say, and one with a "/" must
    # still reverse (NoReverseMatch would turn the whole attachments list into a 500). The
    # client percent-encodes it (safe="") before it goes to Codat.
    path(
        "bills/<int:bill_id>/attachments/<path:attachment_id>/",
        views.bill_attachment_download,
        name="bill-attachment-download",
    ),
    path("bills/<int:bill_id>/review/", views.bill_review, name="bill-review"),
    path("bills/<int:bill_id>/notes/", views.bill_note, name="bill-note"),
    path("suppliers/", views.suppliers, name="suppliers"),
    path("sync/", views.sync_now, name="sync-now"),
    path("sync/status/", views.sync_status, name="sync-status"),
]

# --- issue 5: bills and suppliers created here and written to the books ---
from billpay.bills import views_create  # noqa: E402

urlpatterns += [
    path("bills/new/", views_create.bill_new, name="bill-new"),
    path("bills/new/totals/", views_create.bill_form_totals, name="bill-form-totals"),
    path("bills/new/suppliers/", views_create.supplier_options, name="supplier-options"),
    path("bills/<int:bill_id>/edit/", views_create.bill_edit, name="bill-edit"),
    path("bills/<int:bill_id>/delete/", views_create.bill_delete, name="bill-delete"),
    path("bills/<int:bill_id>/resend/", views_create.bill_resend, name="bill-resend"),
    path("bills/<int:bill_id>/push/", views_create.bill_push_status, name="bill-push-status"),
    path("suppliers/new/", views_create.supplier_new, name="supplier-new"),
    path("suppliers/<int:supplier_id>/edit/", views_create.supplier_edit, name="supplier-edit"),
]
