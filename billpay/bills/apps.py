from django.apps import AppConfig


class BillsConfig(AppConfig):
    name = "billpay.bills"
    label = "bills"
    verbose_name = "Bills"

    def ready(self) -> None:
        # Onboarding and mapping sit below bills and may not import it: bills tells them here.
        from billpay.bills.hooks import sync_accounts, sync_on_link, sync_on_read_completed
        from billpay.bills.pushes import ADAPTERS
        from billpay.bills.selectors import bill_currencies
        from billpay.mapping.hooks import register_accounts_changed, register_currency_source
        from billpay.onboarding.hooks import register_linked_handler, register_webhook_handler
        from billpay.pushes.services import register

        register_linked_handler(sync_on_link)
        register_webhook_handler("read.completed", sync_on_read_completed)
        register_webhook_handler("read.completed.initial", sync_on_read_completed)
        register_currency_source(bill_currencies)
        register_accounts_changed(sync_accounts)
        for adapter in ADAPTERS:
            register(adapter)
