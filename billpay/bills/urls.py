from django.urls import path

from billpay.bills import views

app_name = "bills"
urlpatterns = [
    path("bills/", views.inbox, name="inbox"),
    path("bills/totals/", views.inbox_totals, name="inbox-totals"),
    path("bills/export.csv", views.inbox_csv, name="inbox-csv"),
    path("bills/<int:bill_id>/", views.bill_detail, name="bill-detail"),
    path("bills/<int:bill_id>/attachments/", views.bill_attachments, name="bill-attachments"),
    path(
        "bills/<int:bill_id>/attachments/<str:attachment_id>/",
        views.bill_attachment_download,
        name="bill-attachment-download",
    ),
    path("bills/<int:bill_id>/review/", views.bill_review, name="bill-review"),
    path("bills/<int:bill_id>/notes/", views.bill_note, name="bill-note"),
    path("suppliers/", views.suppliers, name="suppliers"),
    path("sync/", views.sync_now, name="sync-now"),
    path("sync/status/", views.sync_status, name="sync-status"),
]
