from django.apps import AppConfig


class RecurringConfig(AppConfig):
    name = "billpay.recurring"
    label = "recurring"
    verbose_name = "Recurring bills"

    def ready(self) -> None:
        from billpay.bills.sync_hooks import register_bills_synced_handler
        from billpay.recurring.hooks import recurring_bills_synced

        register_bills_synced_handler(recurring_bills_synced)
