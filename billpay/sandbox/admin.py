"""Staff tools: inspect ledger and cache, edit the books, deauthorize, set faults, replay hooks."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from billpay.sandbox import clock, companies, faults, store, webhooks
from billpay.sandbox.jsonutil import iso, storable
from billpay.sandbox.models import (
    SandboxCacheRecord,
    SandboxCompany,
    SandboxConnection,
    SandboxDataset,
    SandboxLedgerRecord,
    SandboxPushOperation,
    SandboxWebhookDelivery,
)


class ConnectionInline(admin.TabularInline):
    model = SandboxConnection
    extra = 0
    fields = ("id", "platform_key", "status", "created", "last_sync")
    readonly_fields = ("id", "created", "last_sync")


@admin.register(SandboxCompany)
class SandboxCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "base_currency", "created", "last_sync")
    search_fields = ("name", "id")
    readonly_fields = ("id", "created", "last_sync")
    inlines = [ConnectionInline]
    fieldsets = (
        (None, {"fields": ("id", "name", "description", "tags", "base_currency", "created")}),
        (
            "Fault profile (blank = the SANDBOX_FAULT_* settings)",
            {
                "fields": (
                    "fault_error_rate",
                    "fault_latency_ms",
                    "fault_429_rate",
                    "fault_429_burst",
                    "fault_lost_response_rate",
                    "push_delay_seconds",
                )
            },
        ),
        (
            "First read after linking (blank = the SANDBOX_FAULT_FIRST_READ_* settings)",
            {"fields": ("first_read_error", "first_read_error_types")},
        ),
    )
    actions = ["reset_fault_rng", "sync_cache_now"]

    @admin.action(description="Restart the fault RNG sequence")
    def reset_fault_rng(self, request, queryset):
        for company in queryset:
            faults.reset(company)
        self.message_user(request, "Fault sequences restarted.")

    @admin.action(description="Sync every data type from the books into Codat's cache now")
    def sync_cache_now(self, request, queryset):
        for company in queryset:
            for data_type in {store.RECORD_TYPE.get(t, t) for t in store.BOOK_TYPES}:
                store.sync_records(company, data_type)
        self.message_user(request, "Cache refreshed (modifiedDate stamped on changed records).")


@admin.register(SandboxConnection)
class SandboxConnectionAdmin(admin.ModelAdmin):
    list_display = ("id", "company", "platform_key", "status", "created", "last_sync")
    list_filter = ("status", "platform_key")
    readonly_fields = ("id", "integration_id", "source_id", "created", "last_sync")
    actions = ["deauthorize", "relink"]

    @admin.action(description="Deauthorize (the user revoked access in the platform)")
    def deauthorize(self, request, queryset):
        for connection in queryset:
            companies.connection_set_status(connection=connection, status="Deauthorized")
        self.message_user(request, "Connections deauthorized.", messages.WARNING)

    @admin.action(description="Re-link (as if the user approved again)")
    def relink(self, request, queryset):
        for connection in queryset:
            companies.connection_approve(connection=connection)
        self.message_user(request, "Connections linked.")


class LedgerRecordForm(forms.ModelForm):
    """A record in the books is a JSON object of text PostgreSQL can store."""

    class Meta:
        model = SandboxLedgerRecord
        fields = ("data", "is_deleted")

    def clean_data(self):
        data = self.cleaned_data["data"]
        if not isinstance(data, dict):
            raise forms.ValidationError('A record is a JSON object, such as {"note": "Paid"}.')
        if not storable(data):
            raise forms.ValidationError("Text may not hold NUL characters or unpaired surrogates.")
        return data


@admin.register(SandboxLedgerRecord)
class SandboxLedgerRecordAdmin(admin.ModelAdmin):
    """The accounting software's books: edits here show up in /data/* after the next sync."""

    form = LedgerRecordForm

    list_display = (
        "record_id",
        "data_type",
        "company",
        "is_deleted",
        "version",
        "source_modified_date",
    )
    list_filter = ("data_type", "is_deleted")
    search_fields = ("record_id",)
    readonly_fields = ("company", "data_type", "record_id", "version", "source_modified_date")
    fields = (
        "company",
        "data_type",
        "record_id",
        "data",
        "is_deleted",
        "version",
        "source_modified_date",
    )
    show_full_result_count = False
    list_select_related = ("company",)
    actions = ["delete_in_books"]

    def has_add_permission(self, request):
        # Records enter the books through pushes and the generator, which give them an owner
        # company and an id in the platform's style; staff edit or delete them here.
        return False

    def save_model(self, request, obj, form, change):
        """An edit in the books: bump the version and stamp sourceModifiedDate."""
        now = clock.now()
        obj.version += 1
        obj.source_modified_date = now
        obj.data = {**obj.data, "id": obj.record_id, "sourceModifiedDate": iso(now)}
        super().save_model(request, obj, form, change)

    @admin.action(description="Delete in the books (the cache flags metadata.isDeleted on sync)")
    def delete_in_books(self, request, queryset):
        with transaction.atomic():
            for row in queryset.select_related("company"):
                store.ledger_delete(row.company, row.data_type, row.record_id)
        self.message_user(request, "Records deleted in the books.")


@admin.register(SandboxCacheRecord)
class SandboxCacheRecordAdmin(admin.ModelAdmin):
    """Codat's cache, as /data/* serves it (read-only: change the books instead)."""

    list_display = ("record_id", "data_type", "company", "is_deleted", "modified_date")
    list_filter = ("data_type", "is_deleted")
    search_fields = ("record_id",)
    show_full_result_count = False
    list_select_related = ("company",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SandboxDataset)
class SandboxDatasetAdmin(admin.ModelAdmin):
    list_display = ("id", "company", "data_type", "status", "requested", "completed")
    list_filter = ("status", "data_type")


@admin.register(SandboxPushOperation)
class SandboxPushOperationAdmin(admin.ModelAdmin):
    list_display = ("key", "company", "data_type", "kind", "status", "requested", "completed")
    list_filter = ("status", "data_type", "kind")
    search_fields = ("key", "record_id")


@admin.register(SandboxWebhookDelivery)
class SandboxWebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("msg_id", "event_type", "status", "attempts", "last_status_code", "created")
    list_filter = ("status", "event_type")
    readonly_fields = ("msg_id", "body", "created", "delivered_at")
    actions = ["replay"]

    @admin.action(description="Replay (same webhook-id, fresh attempts)")
    def replay(self, request, queryset):
        for delivery in queryset:
            webhooks.replay(delivery)
        self.message_user(request, "Deliveries queued again.")
