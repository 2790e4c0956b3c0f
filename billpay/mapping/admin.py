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
    list_display = ["account_name", "company", "account_type", "currency", "status", "created_at"]
    list_filter = ["status", "account_type"]
    search_fields = ["account_name", "push_operation_key", "codat_account_id"]
