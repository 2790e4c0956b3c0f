from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from billpay.core.admin import HardenedAdminMixin
from billpay.onboarding.models import AccountingConnection, Company, Membership, User, WebhookEvent


class MembershipInline(HardenedAdminMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "company"]


@admin.register(User)
class UserAdmin(HardenedAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]


@admin.register(Company)
class CompanyAdmin(HardenedAdminMixin, admin.ModelAdmin):
    """Companies; bills/admin.py registers a subclass with the "Full resync" action (bills sits
    above onboarding, which may not import it)."""

    list_display = ["name", "base_currency", "country", "codat_company_id", "created_at"]
    list_filter = ["base_currency", "country", "connection__status"]
    search_fields = ["name", "memberships__user__email", "codat_company_id"]
    inlines = [MembershipInline]


@admin.register(AccountingConnection)
class AccountingConnectionAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["company", "platform_name", "status", "linked_at", "last_synced_at"]
    list_filter = ["status", "platform_key"]
    search_fields = ["company__name", "codat_connection_id"]
    list_select_related = ["company"]
    readonly_fields = ["codat_connection_id", "linked_at", "last_synced_at"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "event_type", "company", "processed_at"]
    list_filter = ["event_type"]
    search_fields = ["webhook_id", "company__name"]
    list_select_related = ["company"]
    readonly_fields = [
        "webhook_id",
        "event_type",
        "company",
        "payload",
        "received_at",
        "processed_at",
        "error",
    ]

    def has_add_permission(self, request) -> bool:
        # Events come from Codat; an "added" one had no payload at all (an IntegrityError, 500).
        return False


@admin.register(Membership)
class MembershipAdmin(HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role", "company__base_currency"]
    search_fields = ["user__email", "user__full_name", "company__name"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user", "company"]
