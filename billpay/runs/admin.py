"""Staff views of pay runs: read-only, since only the run services may change a run."""

from django.contrib import admin

from billpay.core.admin import HardenedAdminMixin, ReadOnlyMixin
from billpay.runs.models import PayRun, PayRunGroup


class GroupInline(ReadOnlyMixin, admin.TabularInline):
    model = PayRunGroup
    extra = 0
    fields = ["supplier_name", "currency", "account", "total", "payment"]
    readonly_fields = fields


@admin.register(PayRun)
class PayRunAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "company", "status", "payment_date", "bill_count", "group_count"]
    list_filter = ["status"]
    list_select_related = ["company"]
    inlines = [GroupInline]
