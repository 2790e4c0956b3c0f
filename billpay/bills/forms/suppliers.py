"""A supplier's details as the books keep them, new or changed."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.bills.forms.rules import RulesMixin
from billpay.bills.services.create import SupplierInput
from billpay.bills.services.options import PlatformRules
from billpay.core import forms as strict
from billpay.core.parsing import scoped_key


class SupplierForm(RulesMixin, forms.Form):
    """A supplier's details as the books keep them."""

    rule_paths = {
        "name": "supplierName",
        "contact_name": "contactName",
        "email": "emailAddress",
        "phone": "phone",
        "default_currency": "defaultCurrency",
    }

    submission_key = strict.KeyField()
    name = forms.CharField(label=_("Name"), max_length=300)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=300)
    email = forms.EmailField(label=_("Email"), required=False, max_length=300)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=100)
    tax_number = forms.CharField(label=_("Tax number"), required=False, max_length=100)
    default_currency = forms.ChoiceField(label=_("Default currency"), required=False, choices=[])
    address_line1 = forms.CharField(label=_("Address"), required=False, max_length=300)
    address_line2 = forms.CharField(label=_("Address (line 2)"), required=False, max_length=300)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    region = forms.CharField(label=_("State / region"), required=False, max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=20)
    country = forms.CharField(label=_("Country"), required=False, max_length=100)

    def __init__(self, *args, company, rules: PlatformRules, current_currency: str = "", **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.company = company
        allowed = list(rules.choices("defaultCurrency")) or [company.base_currency]
        if current_currency and current_currency not in allowed:
            allowed.append(current_currency)
        self.fields["default_currency"].choices = [("", "—"), *[(c, c) for c in allowed]]
        self.fields["default_currency"].error_messages["invalid_choice"] = gettext(
            "%(platform)s accepts %(offered)s here, not %(value)s."
        ) % {
            "platform": rules.platform_name or gettext("Your books"),
            "offered": ", ".join(allowed),
            "value": "%(value)s",  # left for the field to fill in
        }
        self.apply_rules(rules)

    def clean_submission_key(self):
        return scoped_key(company_id=self.company.pk, key=self.cleaned_data["submission_key"])

    def clean(self):
        cleaned = super().clean()
        self.check_currency("default_currency", "defaultCurrency", self.company.base_currency)
        strict.surface_hidden_errors(self)
        return cleaned

    def supplier_input(self) -> SupplierInput:
        d = self.cleaned_data
        return SupplierInput(**{k: (d.get(k) or "") for k in SupplierInput.__dataclass_fields__})

    @staticmethod
    def initial_for(supplier) -> dict:
        billing = next((a for a in supplier.addresses or [] if a.get("type") == "Billing"), None)
        billing = billing or next(iter(supplier.addresses or []), {}) or {}
        return {
            "submission_key": uuid.uuid4(),
            "name": supplier.name,
            "contact_name": supplier.contact_name,
            "email": supplier.email,
            "phone": supplier.phone,
            "tax_number": supplier.tax_number,
            "default_currency": supplier.default_currency,
            "address_line1": billing.get("line1", ""),
            "address_line2": billing.get("line2", ""),
            "city": billing.get("city", ""),
            "region": billing.get("region", ""),
            "postal_code": billing.get("postalCode", ""),
            "country": billing.get("country", ""),
        }
