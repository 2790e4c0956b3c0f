from django.apps import AppConfig


class BillsConfig(AppConfig):
    name = "billpay.bills"
    label = "bills"
    verbose_name = "Bills"

    def ready(self) -> None:
        # Onboarding and mapping sit below bills and may not import it: bills tells them here.
        from billpay.approvals.hooks import register as register_approvals
        from billpay.approvals.hooks import register_suppliers
        from billpay.bills.approval import KIND, bill_decide, bills_open, supplier_choices
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
        register_approvals(KIND, decider=bill_decide, opener=bills_open)
        register_suppliers(supplier_choices)
        for adapter in ADAPTERS:
            register(adapter)
