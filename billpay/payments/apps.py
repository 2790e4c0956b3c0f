from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "billpay.payments"
    label = "payments"
    verbose_name = "Payments"
