"""Staff views of recurring bills: read-only, since only the recurring services may change one."""

from django.contrib import admin

from billpay.core.admin import HardenedAdminMixin, ReadOnlyMixin
from billpay.recurring.models import RecurringBill, RecurringOccurrence


class OccurrenceInline(ReadOnlyMixin, admin.TabularInline):
    model = RecurringOccurrence
    extra = 0
    fields = ["date", "state", "bill", "payment_state", "payment", "reason"]
    readonly_fields = fields


@admin.register(RecurringBill)
class RecurringBillAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["id", "company", "supplier_name", "frequency", "start_date", "status"]
    list_filter = ["status", "frequency"]
    list_select_related = ["company"]
    inlines = [OccurrenceInline]
