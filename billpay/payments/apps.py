from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "billpay.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from billpay.payments.pushes import PaymentCreditPush, PaymentPush
        from billpay.pushes.services import register

        register(PaymentPush())
        register(PaymentCreditPush())
