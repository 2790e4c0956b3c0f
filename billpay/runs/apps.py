from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "billpay.runs"
    label = "runs"
    verbose_name = "Pay runs"

    def ready(self) -> None:
        from billpay.approvals.hooks import register as register_approvals
        from billpay.bills.sync_hooks import register_bills_synced_handler
        from billpay.payments.hooks import (
            register_batch_settled_handler,
            register_deleted_handler,
        )
        from billpay.runs.approval import KIND, run_decide, runs_open
        from billpay.runs.hooks import run_bills_synced, run_payment_settled
        from billpay.runs.services import run_payment_deleted

        register_batch_settled_handler(run_payment_settled)
        register_deleted_handler(run_payment_deleted)
        register_bills_synced_handler(run_bills_synced)
        register_approvals(KIND, decider=run_decide, opener=runs_open)
