from django.contrib import admin, messages

from billpay.bills.models import Bill, BillLine, CreditNote, Supplier, SyncRun
from billpay.bills.tasks import sync_start
from billpay.core.admin import HardenedAdminMixin, ReadOnlyMixin
from billpay.onboarding.admin import CompanyAdmin as BaseCompanyAdmin
from billpay.onboarding.models import Company


class BillLineInline(ReadOnlyMixin, HardenedAdminMixin, admin.TabularInline):
    model = BillLine
    extra = 0
    fields = [
        "position",
        "description",
        "quantity",
        "unit_amount",
        "total_amount",
        "codat_account_id",
    ]


@admin.register(Bill)
class BillAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = [
        "supplier_name",
        "reference",
        "company",
        "due_date",
        "currency",
        "amount_due",
        "codat_status",
        "review_status",
    ]
    list_filter = ["codat_status", "review_status", "currency", "is_deleted"]
    search_fields = ["supplier_name", "reference", "codat_bill_id", "company__name"]
    list_select_related = ["company"]
    date_hierarchy = "due_date"
    inlines = [BillLineInline]
    show_full_result_count = False  # no COUNT(*) over every bill of every company


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "company", "email", "default_currency", "status", "is_deleted"]
    list_filter = ["status", "default_currency", "is_deleted"]
    search_fields = ["name", "email", "codat_supplier_id", "company__name"]
    list_select_related = ["company"]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = [
        "supplier_name",
        "number",
        "company",
        "issue_date",
        "currency",
        "total_amount",
        "remaining_credit",
        "status",
        "is_deleted",
    ]
    list_filter = ["status", "currency", "is_deleted"]
    search_fields = ["supplier_name", "number", "codat_id", "company__name"]
    list_select_related = ["company"]
    show_full_result_count = False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "company",
        "trigger",
        "full",
        "status",
        "records_read",
        "skipped",
        "api_calls",
        "error",
        "error_detail",
    ]
    list_filter = ["status", "trigger", "full"]
    search_fields = ["company__name", "error", "error_detail"]
    list_select_related = ["company"]
    actions = ["full_resync"]

    @admin.action(description="Full resync of these runs' companies")
    def full_resync(self, request, queryset) -> None:
        companies = Company.objects.filter(pk__in=queryset.values("company_id"))
        for company in companies:
            sync_start(company=company, trigger=SyncRun.Trigger.MANUAL, full=True)
        messages.success(request, f"Full resync queued for {len(companies)} companies.")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# The company list's resync action lives here: onboarding, below bills, cannot start a sync.
admin.site.unregister(Company)


@admin.register(Company)
class CompanyAdmin(BaseCompanyAdmin):
    actions = ["full_resync"]

    @admin.action(description="Full resync from the books")
    def full_resync(self, request, queryset) -> None:
        for company in queryset:
            sync_start(company=company, trigger=SyncRun.Trigger.MANUAL, full=True)
        messages.success(request, f"Full resync queued for {queryset.count()} companies.")
