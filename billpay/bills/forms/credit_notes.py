"""A new supplier credit note's header: number, issue date, currency, note (its lines are the
bill lines' formset)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.bills.forms.bills import FIRST_DATE, LAST_DATE
from billpay.bills.forms.rules import RulesMixin, currency_choices
from billpay.bills.services.create import CreditNoteInput, LineInput
from billpay.bills.services.options import PlatformRules
from billpay.core import forms as strict
from billpay.core.parsing import scoped_key


class CreditNoteForm(RulesMixin, forms.Form):
    """The header of a credit note for one supplier (the page's supplier)."""

    rule_paths = {"number": "billCreditNoteNumber", "note": "note"}

    submission_key = strict.KeyField()
    number = forms.CharField(
        label=_("Credit note number"),
        required=False,
        max_length=300,
        help_text=_("The supplier's reference for this credit note."),
    )
    issue_date = strict.DateField(label=_("Issue date"), min_value=FIRST_DATE, max_value=LAST_DATE)
    currency = forms.ChoiceField(label=_("Currency"), choices=[])
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, company, supplier, rules: PlatformRules, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.company, self.supplier = company, supplier
        base = supplier.default_currency or company.base_currency
        self.fields["currency"].choices = currency_choices(rules, base)
        if not self.is_bound:
            self.fields["currency"].initial = base
        offered = ", ".join(code for code, _ in self.fields["currency"].choices)
        self.fields["currency"].error_messages["invalid_choice"] = gettext(
            "%(platform)s accepts %(offered)s here, not %(value)s."
        ) % {
            "platform": rules.platform_name or gettext("Your books"),
            "offered": offered,
            "value": "%(value)s",  # left for the field to fill in
        }
        self.apply_rules(rules)

    def clean_submission_key(self):
        return scoped_key(company_id=self.company.pk, key=self.cleaned_data["submission_key"])

    def clean(self):
        cleaned = super().clean()
        self.check_currency("currency", "currency", self.company.base_currency)
        strict.surface_hidden_errors(self)
        return cleaned

    def credit_note_input(self, lines: list[LineInput]) -> CreditNoteInput:
        d = self.cleaned_data
        return CreditNoteInput(
            supplier=self.supplier,
            number=d.get("number", "").strip(),
            issue_date=d["issue_date"],
            currency=d["currency"],
            lines=tuple(lines),
            note=d.get("note", ""),
        )

    @staticmethod
    def initial_for_new(supplier, company) -> dict:
        return {
            "submission_key": uuid.uuid4(),
            "issue_date": timezone.localdate(),
            "currency": supplier.default_currency or company.base_currency,
        }
