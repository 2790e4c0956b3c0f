from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "billpay.core"
    label = "core"
    verbose_name = "Core"
