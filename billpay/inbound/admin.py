from django.contrib import admin

from billpay.core.admin import HardenedAdminMixin, ReadOnlyMixin
from billpay.inbound.models import Draft, InboundAddress


@admin.register(Draft)
class DraftAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["file_name", "company", "status", "kind", "source", "reference", "created_at"]
    list_filter = ["status", "kind", "source", "format"]
    search_fields = ["file_name", "reference", "supplier_name", "company__name"]
    list_select_related = ["company"]
    show_full_result_count = False
    exclude = ["data"]  # the whole document: long, and its lines are on the draft's page


@admin.register(InboundAddress)
class InboundAddressAdmin(ReadOnlyMixin, HardenedAdminMixin, admin.ModelAdmin):
    list_display = ["company", "token", "created_at"]
    search_fields = ["company__name", "token"]
    list_select_related = ["company"]
