from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "billpay.approvals"
    default_auto_field = "django.db.models.BigAutoField"
