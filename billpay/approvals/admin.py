from django.contrib import admin

from billpay.approvals.models import ApprovalDecision, ApprovalRequest, ApprovalRule, RuleApprover


class ReadOnly(admin.ModelAdmin):
    """Staff read approvals here; the company's owners change rules in the app (audited)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RuleApproverInline(ReadOnlyInline):
    model = RuleApprover


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(ReadOnly):
    list_display = ("id", "company", "applies_to", "min_amount", "max_amount", "mode")
    list_filter = ("applies_to", "mode")
    list_select_related = ("company",)
    inlines = [RuleApproverInline]


class DecisionInline(ReadOnlyInline):
    model = ApprovalDecision


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnly):
    list_display = ("id", "company", "kind", "object_id", "label", "status", "step")
    list_filter = ("kind", "status")
    list_select_related = ("company",)
    search_fields = ("label",)
    inlines = [DecisionInline]
