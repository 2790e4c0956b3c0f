"""Forms for paying bills, filtering payments and the payment settings."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone

from billpay.core.money import quantize
from billpay.payments.models import Payment
from billpay.payments.selectors import PaymentFilter, PayStart


class PayForm(forms.Form):
    """Method, one amount per bill, date and note. Fields `amount_<bill id>` are added per bill."""

    method = forms.ChoiceField(label="Pay by")
    payment_date = forms.DateField(
        label="Payment date", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today, or a later date to schedule the payment.",
    )  # fmt: skip
    note = forms.CharField(label="Note", required=False, max_length=500)
    form_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, start: PayStart, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start = start
        self.fields["method"].choices = start.methods
        self.fields["payment_date"].initial = timezone.localdate()
        self.fields["form_token"].initial = uuid.uuid4()
        for row in start.bills:
            self.fields[f"amount_{row.bill.pk}"] = forms.DecimalField(
                label=f"{row.bill.reference or row.bill.codat_bill_id}", min_value=Decimal("0.01"),
                max_digits=19, decimal_places=4, initial=quantize(row.available, row.bill.currency),
            )  # fmt: skip

    def clean_payment_date(self):
        value = self.cleaned_data["payment_date"]
        if value < timezone.localdate():
            raise forms.ValidationError("Pick today or a later date.")
        return value

    def amounts(self) -> dict[int, Decimal]:
        return {row.bill.pk: self.cleaned_data[f"amount_{row.bill.pk}"] for row in self.start.bills}

    def rows(self):
        """(bill row, bound amount field) pairs for the template."""
        return [(row, self[f"amount_{row.bill.pk}"]) for row in self.start.bills]


class PaymentFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Payment.Status.choices]
    )
    supplier = forms.CharField(required=False)
    q = forms.CharField(required=False, label="Search", max_length=100)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> PaymentFilter:
        if not self.is_valid():
            return PaymentFilter()
        return PaymentFilter(**self.cleaned_data)


class PaymentSettingsForm(forms.Form):
    approval_threshold = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=19, decimal_places=2,
        label="Approval threshold",
        help_text="Bills above this amount (in your base currency) must be approved in review "
        "before they can be paid. Leave empty for no approval step.",
    )  # fmt: skip
