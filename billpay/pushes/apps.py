from django.apps import AppConfig


class PushesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billpay.pushes"
    verbose_name = "Writes to the books"

    def ready(self) -> None:
        # `{dataType}.write.*` for every data type an adapter writes: the outcome of a push of
        # ours. Installed after those apps, so their adapters are registered by now.
        from billpay.onboarding.hooks import register_webhook_handler
        from billpay.pushes.services.adapters import registered_data_types
        from billpay.pushes.tasks import push_write_event

        for data_type in sorted(registered_data_types()):
            register_webhook_handler(f"{data_type}.write.*", push_write_event)
