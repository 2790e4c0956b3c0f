from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "billpay.notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billpay.notifications import handlers
        from billpay.onboarding.hooks import register_connection_status_handler

        register_connection_status_handler(handlers.connection_status_changed)
