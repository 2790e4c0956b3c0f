from django.apps import AppConfig


class BillsConfig(AppConfig):
    name = "billpay.bills"
    label = "bills"
    verbose_name = "Bills"
