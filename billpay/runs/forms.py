"""Forms of the pay run pages: the run's settings, one bill's amount, approve and confirm."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.core import forms as strict
from billpay.core.money import minor_places
from billpay.mapping.selectors import payment_methods
from billpay.payments.forms import LAST_PAYMENT_DATE


class RunSettingsForm(forms.Form):
    """The run's one payment date, its method and (on Xero) the batch choice."""

    payment_date = strict.DateField(
        label=_("Payment date"),
        max_value=LAST_PAYMENT_DATE,
        help_text=_("Today, or a later date to schedule the payments."),
    )
    method = forms.ChoiceField(label=_("Pay by"))
    batch = forms.BooleanField(
        label=_("One payment per account for all bills in your base currency (Xero batch payment)"),
        required=False,
    )

    def __init__(self, *args, batch_offered: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(key, label) for key, label, _kind in payment_methods()]
        if not batch_offered:
            del self.fields["batch"]

    def clean_payment_date(self):
        value = self.cleaned_data["payment_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(gettext("Pick today or a later date."))
        return value


class AmountForm(forms.Form):
    """What to pay on one bill of the run: above zero, in the bill's currency's decimals."""

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"] = strict.AmountField(
            label=gettext("Amount"),
            currency=currency,
            min_value=Decimal(1).scaleb(-minor_places(currency)),
        )


class ApproveForm(forms.Form):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=500)
    form_token = strict.KeyField()

    def clean(self):
        cleaned = super().clean()
        strict.surface_hidden_errors(self)
        return cleaned


class ConfirmForm(forms.Form):
    form_token = strict.KeyField()
    confirm_overdraw = forms.BooleanField(
        required=False,
        label=_("I will have the money in these accounts by the payment date: pay anyway"),
    )

    def clean(self):
        cleaned = super().clean()
        strict.surface_hidden_errors(self)
        if not cleaned.get("form_token") and "form_token" not in self.errors:
            raise forms.ValidationError(
                gettext("This form has expired or was changed. Reload the page and try again.")
            )
        return cleaned
