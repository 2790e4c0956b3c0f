from django.apps import AppConfig


class MappingConfig(AppConfig):
    name = "billpay.mapping"
    label = "mapping"
    verbose_name = "Account mapping"

    def ready(self) -> None:
        from billpay.mapping.pushes import BankAccountPush
        from billpay.pushes.services import register

        register(BankAccountPush())
