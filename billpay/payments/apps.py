from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "billpay.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from billpay.approvals.hooks import register as register_approvals
        from billpay.payments.pushes import PaymentCreditPush, PaymentDeletePush, PaymentPush
        from billpay.payments.services.approval import KIND, payment_decide, payments_open
        from billpay.pushes.services import register

        register(PaymentPush())
        register(PaymentCreditPush())
        register(PaymentDeletePush())
        register_approvals(KIND, decider=payment_decide, opener=payments_open)
