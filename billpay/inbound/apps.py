from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "billpay.inbound"
    label = "inbound"
    verbose_name = "E-invoices in"
