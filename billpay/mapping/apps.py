from django.apps import AppConfig


class MappingConfig(AppConfig):
    name = "billpay.mapping"
    label = "mapping"
    verbose_name = "Account mapping"

    def ready(self) -> None:
        from billpay.mapping.services import bank_account_write_event
        from billpay.onboarding.hooks import register_webhook_handler

        register_webhook_handler("bankAccounts.write.*", bank_account_write_event)
