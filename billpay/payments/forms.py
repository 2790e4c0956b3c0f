"""Forms for paying bills, filtering payments and the payment settings."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.core import forms as strict
from billpay.core.money import format_money, minor_places, quantize
from billpay.payments.models import Payment
from billpay.payments.selectors import PaymentFilter, PayStart

ZERO = Decimal("0")
# Far enough for any schedule; near enough that date arithmetic never leaves the calendar.
LAST_PAYMENT_DATE = date(2199, 12, 31)


class PayForm(forms.Form):
    """Method, one amount per bill, date and note. Fields `amount_<bill id>` are added per bill,
    and `credit_<credit note id>` per credit note of the supplier with credit to use (empty:
    none). A bill's amount is what it gets: credit first, the rest in cash."""

    method = forms.ChoiceField(label=_("Pay by"))
    payment_date = strict.DateField(
        label=_("Payment date"),
        max_value=LAST_PAYMENT_DATE,
        help_text=_("Today, or a later date to schedule the payment."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    # The form's one-time token; Payment's unique (company, form_token) keeps it per company.
    form_token = strict.KeyField()

    def __init__(self, *args, start: PayStart, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start = start
        self.fields["method"].choices = start.methods
        self.fields["payment_date"].initial = timezone.localdate()
        self.fields["form_token"].initial = uuid.uuid4()
        for row in start.bills:
            # Money in the bill's currency: more decimals than it has is refused, not rounded.
            currency = row.bill.currency
            self.fields[f"amount_{row.bill.pk}"] = strict.AmountField(
                label=f"{row.bill.reference or row.bill.codat_bill_id}",
                currency=currency,
                min_value=Decimal(1).scaleb(-minor_places(currency)),
                initial=quantize(row.available, currency),
            )
        for credit in start.credits:
            note = credit.note
            self.fields[f"credit_{note.pk}"] = strict.AmountField(
                label=note.number or note.codat_id,
                currency=note.currency,
                min_value=Decimal("0"),
                required=False,
                what=_("an amount of credit"),
            )

    def clean(self):
        cleaned = super().clean()
        credit = ZERO
        for row in self.start.credits:
            name = f"credit_{row.note.pk}"
            value = cleaned.get(name)
            if value is None:
                continue
            if value > row.available:
                self.add_error(
                    name,
                    gettext("At most %(available)s of this credit is left to use.")
                    % {"available": format_money(row.available, row.note.currency)},
                )
            credit += value
        amounts = [cleaned.get(f"amount_{row.bill.pk}") for row in self.start.bills]
        if credit and None not in amounts and credit > sum(amounts, ZERO):
            self.add_error(
                None,
                gettext(
                    "The credit (%(credit)s) is more than the amounts you pay (%(total)s): use "
                    "less credit, or pay more of the bills."
                )
                % {
                    "credit": format_money(credit, self.start.currency),
                    "total": format_money(sum(amounts, ZERO), self.start.currency),
                },
            )
        strict.surface_hidden_errors(self)
        return cleaned

    def credits(self) -> dict[int, Decimal]:
        """Credit to use per credit note id (only the notes given an amount above zero)."""
        chosen = {}
        for row in self.start.credits:
            value = self.cleaned_data.get(f"credit_{row.note.pk}")
            if value:
                chosen[row.note.pk] = value
        return chosen

    def credit_rows(self):
        """(usable credit, bound field) pairs for the template."""
        return [(row, self[f"credit_{row.note.pk}"]) for row in self.start.credits]

    def clean_payment_date(self):
        value = self.cleaned_data["payment_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(gettext("Pick today or a later date."))
        return value

    def amounts(self) -> dict[int, Decimal]:
        return {row.bill.pk: self.cleaned_data[f"amount_{row.bill.pk}"] for row in self.start.bills}

    def rows(self):
        """(bill row, bound amount field) pairs for the template."""
        return [(row, self[f"amount_{row.bill.pk}"]) for row in self.start.bills]


class PaymentFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *Payment.Status.choices]
    )
    supplier = forms.CharField(required=False, max_length=100)
    q = forms.CharField(required=False, label=_("Search"), max_length=100)
    date_from = strict.DateField(required=False)
    date_to = strict.DateField(required=False)

    def filters(self) -> PaymentFilter:
        if not self.is_valid():
            return PaymentFilter()
        return PaymentFilter(**self.cleaned_data)


class PaymentSettingsForm(forms.Form):
    approval_threshold = strict.AmountField(
        required=False,
        min_value=Decimal("0"),
        currency="XXX",
        label=_("Approval threshold"),
        help_text=_(
            "Bills above this amount (in your base currency) must be approved in review "
            "before they can be paid. Leave empty for no approval step."
        ),
    )

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # In the base currency: as many decimals as it has (JPY none, KWD three).
        field = self.fields["approval_threshold"]
        self.fields["approval_threshold"] = strict.AmountField(
            required=False,
            min_value=Decimal("0"),
            currency=currency,
            label=field.label,
            help_text=field.help_text,
            initial=field.initial,
        )
