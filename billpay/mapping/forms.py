"""Forms for mapping payment methods to accounts and creating accounts in the books."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.core import forms as strict
from billpay.mapping.selectors import payment_methods
from billpay.mapping.services import BankAccountOptions


class MappingForm(forms.Form):
    method = forms.ChoiceField()
    currency = forms.RegexField(regex=r"\A[A-Za-z]{3}\Z", max_length=3, min_length=3)
    account = strict.IdField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(k, label) for k, label, _kind in payment_methods()]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()


class BankAccountForm(forms.Form):
    """A new bank or card account; the choices come from the books' `options/bankAccounts`."""

    method = forms.ChoiceField(label=_("For payments by"))
    currency = forms.ChoiceField(label=_("Currency"))
    account_name = forms.CharField(label=_("Account name"), max_length=150)
    account_number = forms.CharField(label=_("Account number"), max_length=60, required=False)
    nominal_code = forms.CharField(label=_("Nominal code"), max_length=60, required=False)
    institution = forms.CharField(label=_("Bank or card issuer"), max_length=150, required=False)

    def __init__(self, *args, options: BankAccountOptions, currencies: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["method"].choices = [
            (
                k,
                gettext("%(method)s (card / credit account)") % {"method": label}
                if kind == "Credit"
                else gettext("%(method)s (bank / debit account)") % {"method": label},
            )
            for k, label, kind in payment_methods()
        ]
        allowed = list(options.currencies) or currencies
        self.fields["currency"].choices = [(c, c) for c in allowed]
        for name, codat in (
            ("account_name", "accountName"),
            ("account_number", "accountNumber"),
            ("nominal_code", "nominalCode"),
            ("institution", "institution"),
        ):
            if codat in options.required:
                self.fields[name].required = True
            if codat in options.max_lengths:
                # The platform's limit, but never past what our column holds.
                limit = min(options.max_lengths[codat], self.fields[name].max_length)
                self.fields[name].max_length = limit
                self.fields[name].widget.attrs["maxlength"] = limit
                self.fields[name].validators.append(
                    forms.CharField(max_length=limit).validators[-1]
                )

    FIELD_NAMES = {
        "accountName": "account_name",
        "accountNumber": "account_number",
        "nominalCode": "nominal_code",
        "institution": "institution",
        "accountType": "method",
        "currency": "currency",
        "method": "method",
    }

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            self.add_error(self.FIELD_NAMES.get(key), message)
