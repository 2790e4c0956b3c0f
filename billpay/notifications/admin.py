from django.contrib import admin

from billpay.notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "company",
        "recipient",
        "kind",
        "message",
        "read_at",
        "emailed_at",
    )
    list_filter = ("kind",)
    search_fields = ("message", "recipient__email", "event_key")

    # A record of what was told: staff read it, nobody writes it by hand.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "in_app", "by_email")
