from django.contrib import admin

from billpay.core.admin import HardenedAdminMixin, ReadOnlyMixin
from billpay.pushes.models import Push


@admin.register(Push)
class PushAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    """Read-only: pushes move only through the machine."""

    list_display = (
        "id",
        "company",
        "kind",
        "status",
        "attempts",
        "push_operation_key",
        "updated_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("push_operation_key", "record_id", "idempotency_key")
    list_select_related = ("company",)
    readonly_fields = [f.name for f in Push._meta.fields]
