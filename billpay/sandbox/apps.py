from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "billpay.sandbox"
    label = "sandbox"
    verbose_name = "Codat sandbox"

    def ready(self) -> None:
        from billpay.sandbox import checks  # noqa: F401 (registers the system checks)
