from django.apps import AppConfig


class BillsConfig(AppConfig):
    name = "billpay.bills"
    label = "bills"
    verbose_name = "Bills"

    def ready(self) -> None:
        from billpay.bills.pushes import ADAPTERS
        from billpay.pushes.services import register

        for adapter in ADAPTERS:
            register(adapter)
