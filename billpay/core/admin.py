from django.contrib import admin

from billpay.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "company", "actor", "action", "target"]
    list_filter = ["action"]
    search_fields = ["company__name", "actor__email", "action", "target"]
    list_select_related = ["company", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
