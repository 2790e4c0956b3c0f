"""Staff views of account mappings and account creation requests (read-only)."""

from django.contrib import admin

from billpay.core.admin import HardenedAdminMixin, ReadOnlyMixin
from billpay.mapping.models import AccountMapping, BankAccountRequest


@admin.register(AccountMapping)
class AccountMappingAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["company", "method", "currency", "account", "updated_at"]
    list_filter = ["method", "currency"]
    list_select_related = ["company", "account"]


@admin.register(BankAccountRequest)
class BankAccountRequestAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    """Read-only: the request's write state is its push's (Writes to the books)."""

    list_display = [
        "account_name",
        "company",
        "account_type",
        "currency",
        "push_status",
        "created_at",
    ]
    list_filter = ["push__status", "account_type"]
    search_fields = ["account_name", "push__push_operation_key", "push__record_id"]
    list_select_related = ["company", "push"]

    @admin.display(description="Status", ordering="push__status")
    def push_status(self, obj: BankAccountRequest) -> str:
        return obj.push.get_status_display()
