from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "billpay.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from billpay.onboarding.hooks import register_webhook_handler
        from billpay.payments.services import payment_write_event

        register_webhook_handler("billPayments.write.*", payment_write_event)
