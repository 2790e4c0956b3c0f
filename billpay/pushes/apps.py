from django.apps import AppConfig


class PushesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billpay.pushes"
    verbose_name = "Writes to the books"
