from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.approvals.models import ApprovalRequest, ApprovalRule
from billpay.core import forms as strict

APPROVER_SLOTS = 4
DECISIONS = [("approved", _("Approve")), ("rejected", _("Reject"))]


class RuleForm(forms.Form):
    applies_to = forms.ChoiceField(
        label=_("Applies to"), choices=ApprovalRule.AppliesTo.choices, widget=forms.RadioSelect
    )
    supplier = forms.ChoiceField(label=_("Supplier"), required=False)
    mode = forms.ChoiceField(
        label=_("Who must approve"), choices=ApprovalRule.Mode.choices, widget=forms.RadioSelect
    )

    def __init__(
        self,
        *args,
        currency: str,
        members: list[tuple[int, str]],
        suppliers: list[tuple[str, str]],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, label, help_text in (
            ("min_amount", _("From"), _("Leave empty to start at zero.")),
            ("max_amount", _("Up to"), _("Leave empty for no upper limit.")),
        ):
            self.fields[name] = strict.AmountField(
                required=False,
                min_value=Decimal("0"),
                currency=currency,
                label=label,
                help_text=help_text,
            )
        self.fields["supplier"].choices = [("", gettext("Every supplier")), *suppliers]
        self.supplier_names = dict(suppliers)
        people = [("", "—"), *((str(pk), name) for pk, name in members)]
        for slot in range(1, APPROVER_SLOTS + 1):
            self.fields[f"approver_{slot}"] = strict.IdField(
                required=slot == 1,
                label=gettext("Approver %(number)d") % {"number": slot},
                widget=forms.Select(choices=people),
            )
        self.member_ids = {pk for pk, _name in members}
        self.order_fields(
            ["applies_to", "min_amount", "max_amount", "supplier", "mode"]
            + [f"approver_{n}" for n in range(1, APPROVER_SLOTS + 1)]
        )

    def clean(self):
        data = super().clean()
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and low > high:
            self.add_error("max_amount", gettext("Make this at least the amount it starts from."))
        approvers = [
            data[f"approver_{n}"]
            for n in range(1, APPROVER_SLOTS + 1)
            if data.get(f"approver_{n}") is not None
        ]
        if any(a not in self.member_ids for a in approvers):
            self.add_error("approver_1", gettext("Pick approvers among the members listed."))
        elif len(set(approvers)) != len(approvers):
            self.add_error("approver_1", gettext("Name each person once."))
        data["approver_ids"] = approvers
        if data.get("supplier") and data["supplier"] not in self.supplier_names:
            self.add_error("supplier", gettext("Pick a supplier from the list."))
        return data

    def rule_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "applies_to": data["applies_to"],
            "min_amount": data.get("min_amount"),
            "max_amount": data.get("max_amount"),
            "codat_supplier_id": data.get("supplier") or "",
            "supplier_name": self.supplier_names.get(data.get("supplier") or "", ""),
            "mode": data["mode"],
            "approver_ids": data["approver_ids"],
        }

    @staticmethod
    def initial_for(rule: ApprovalRule) -> dict:
        initial = {
            "applies_to": rule.applies_to,
            "min_amount": rule.min_amount,
            "max_amount": rule.max_amount,
            "supplier": rule.codat_supplier_id,
            "mode": rule.mode,
        }
        for slot, approver in enumerate(rule.approvers.all(), start=1):
            initial[f"approver_{slot}"] = approver.user_id
        return initial


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to reject: say what to fix."),
    )
    form_token = strict.KeyField(required=False)  # a pay run's: the approval is of the run seen


class BulkApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, requests: list[ApprovalRequest], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requests"] = forms.MultipleChoiceField(
            choices=[(str(r.pk), r.label) for r in requests],
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": gettext("Tick what to approve first.")},
        )
