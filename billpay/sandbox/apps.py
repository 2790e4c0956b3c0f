from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "billpay.sandbox"
    label = "sandbox"
    verbose_name = "Codat sandbox"
