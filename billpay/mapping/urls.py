from django.urls import path

from billpay.mapping import views

app_name = "mapping"
urlpatterns = [
    path("settings/payment-accounts/", views.mapping_settings, name="mapping-settings"),
    path("settings/payment-accounts/save/", views.mapping_save, name="mapping-save"),
    path("settings/payment-accounts/new/", views.bank_account_new, name="bank-account-new"),
    path(
        "settings/payment-accounts/new/<int:request_id>/",
        views.bank_account_request,
        name="bank-account-request",
    ),
]
