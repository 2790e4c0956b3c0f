from django.urls import path

from billpay.runs import views

app_name = "runs"
urlpatterns = [
    path("runs/", views.run_list, name="run-list"),
    # the inbox's "Pay selected" and "Pay all matching" post here (bills does not import runs)
    path("runs/new/", views.run_create, name="run-create"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<int:run_id>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:run_id>/settings/", views.run_settings, name="run-settings"),
    path("runs/<int:run_id>/bills/<int:bill_id>/amount/", views.run_amount, name="run-amount"),
    path("runs/<int:run_id>/approve/", views.run_approve, name="run-approve"),
    path("runs/<int:run_id>/confirm/", views.run_confirm, name="run-confirm"),
    path("runs/<int:run_id>/cancel/", views.run_cancel, name="run-cancel"),
    path("runs/<int:run_id>/groups/<int:group_id>/retry/", views.run_retry, name="run-retry"),
]
