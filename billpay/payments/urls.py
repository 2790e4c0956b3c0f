from django.urls import path

from billpay.payments import views

app_name = "payments"
urlpatterns = [
    path("payments/", views.payment_list, name="payment-list"),
    path("payments/new/", views.payment_new, name="payment-new"),
    path("payments/settings/", views.payment_settings, name="payment-settings"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment-detail"),
    path("payments/<int:payment_id>/status/", views.payment_status, name="payment-status"),
    path("payments/<int:payment_id>/confirm/", views.payment_confirm, name="payment-confirm"),
    path("payments/<int:payment_id>/cancel/", views.payment_cancel, name="payment-cancel"),
    path("payments/<int:payment_id>/retry/", views.payment_retry, name="payment-retry"),
    path("payments/<int:payment_id>/delete/", views.payment_delete, name="payment-delete"),
]
