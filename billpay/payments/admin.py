"""Staff views of payments: read-only, since only the state machine may change a payment."""

from django.contrib import admin

from billpay.core.admin import HardenedAdminMixin, ReadOnlyMixin
from billpay.payments.models import Payment, PaymentAllocation, PaymentEvent, PaymentSettings


class AllocationInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentAllocation
    extra = 0
    fields = ["codat_bill_id", "amount", "currency", "amount_due_before", "bill_status_before"]
    readonly_fields = fields


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentEvent
    extra = 0
    fields = ["at", "status", "message", "actor"]
    # `at` is auto_now_add (not editable): a field listed without being read-only makes the
    # inline's form factory raise FieldError, and the payment's change page a 500.
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "company",
        "supplier_name",
        "total_amount",
        "currency",
        "status",
        "payment_date",
        "created_at",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["reference", "supplier_name", "push__push_operation_key", "push__record_id"]
    list_select_related = ["company"]
    inlines = [AllocationInline, EventInline]


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["company", "approval_threshold", "updated_at"]
