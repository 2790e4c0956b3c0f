"""The recurring bill form: the header and schedule here, the lines from the new-bill form.

The lines are the bills app's own formset (`bills.forms.line_formset`), with the platform's rules;
the header checks what the bill form checks that can be checked ahead (the currencies the platform
takes, the invoice number's length with the date each bill adds to it). Each bill is checked
again, by the bill form itself, on the day it is made (`services.occurrence_run`).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.bills.forms.bills import FIRST_DATE, LAST_DATE
from billpay.bills.forms.rules import RulesMixin, currency_choices
from billpay.bills.services.options import PlatformRules
from billpay.core import forms as strict
from billpay.core.parsing import scoped_key
from billpay.mapping.selectors import payment_methods
from billpay.recurring.models import Frequency
from billpay.recurring.schedule import Schedule

# Each bill's invoice number is the template's reference, a space and the bill date (ISO).
DATE_SUFFIX = len(" 2026-01-31")
MAX_OFFSET = 365


class ScheduleForm(forms.Form):
    """When the bills are made, when they fall due, and when (if at all) they are paid."""

    frequency = forms.ChoiceField(label=_("Repeat"), choices=Frequency.choices)
    start_date = strict.DateField(
        label=_("First bill date"), min_value=FIRST_DATE, max_value=LAST_DATE
    )
    end_date = strict.DateField(
        label=_("Last bill date"),
        required=False,
        min_value=FIRST_DATE,
        max_value=LAST_DATE,
        help_text=_("Leave empty to keep going, or give a number of bills instead."),
    )
    count = strict.IntegerField(
        label=_("Number of bills"), required=False, min_value=1, max_value=1000
    )
    due_days = strict.IntegerField(
        label=_("Due after (days)"),
        min_value=0,
        max_value=365,
        initial=30,
        help_text=_("Each bill falls due this many days after its date."),
    )
    payment_method = forms.ChoiceField(label=_("Prepare a payment"), required=False, choices=[])
    payment_offset_days = strict.IntegerField(
        label=_("Pay days from the due date"),
        required=False,
        min_value=-MAX_OFFSET,
        max_value=MAX_OFFSET,
        initial=0,
        help_text=_(
            "0 pays on the due date, -3 three days before, 2 two days after. A payment date on "
            "a Saturday or Sunday moves to the Monday after."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = [("", gettext("No, only the bill"))] + [
            (key, label) for key, label, _kind in payment_methods()
        ]
        for name in ("count", "due_days", "payment_offset_days"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", gettext("The last date can't be before the first."))
        if end and cleaned.get("count"):
            self.add_error(
                "count", gettext("Give a last bill date or a number of bills, not both.")
            )
        if cleaned.get("payment_offset_days") is None:
            cleaned["payment_offset_days"] = 0
        return cleaned

    def schedule(self) -> Schedule:
        d = self.cleaned_data
        return Schedule(
            frequency=d["frequency"],
            start_date=d["start_date"],
            end_date=d.get("end_date"),
            count=d.get("count"),
            due_days=d["due_days"],
            pays=bool(d.get("payment_method")),
            payment_offset_days=d.get("payment_offset_days") or 0,
        )

    @staticmethod
    def initial_for_new() -> dict:
        return {
            "frequency": Frequency.MONTHLY,
            "start_date": timezone.localdate(),
            "due_days": 30,
            "payment_offset_days": 0,
        }


class RecurringForm(RulesMixin, ScheduleForm):
    """The template: its supplier, reference, currency and note, and its schedule."""

    submission_key = strict.KeyField()
    supplier = strict.ModelChoiceField(
        queryset=None, empty_label=_("Choose a supplier…"), label=_("Supplier")
    )
    reference = forms.CharField(
        label=_("Invoice number"),
        required=False,
        max_length=40,
        help_text=_('Each bill gets it with its date, e.g. "RENT 2026-01-31".'),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[])
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = ["submission_key", "supplier", "reference", "currency", "note"]

    def __init__(
        self, *args, company, rules: PlatformRules, suppliers, current_currency: str = "", **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.company, self.rules = company, rules
        self.fields["supplier"].queryset = suppliers
        self.fields["currency"].choices = currency_choices(
            rules, company.base_currency, current_currency
        )
        if not self.is_bound:
            self.fields["currency"].initial = company.base_currency
        # Each bill's invoice number is this reference and its date: leave the date room.
        limit = rules.max_length("reference")
        self.room = min(max(limit - DATE_SUFFIX, 0), 40) if limit else 40
        self.fields["reference"].widget.attrs["maxlength"] = str(self.room)

    def clean_submission_key(self):
        return scoped_key(company_id=self.company.pk, key=self.cleaned_data["submission_key"])

    def clean_reference(self):
        value = (self.cleaned_data.get("reference") or "").strip()
        if len(value) > self.room:
            raise forms.ValidationError(
                gettext(
                    "%(platform)s allows %(limit)s characters in an invoice number; with the "
                    "date each bill adds, this one can have at most %(room)s."
                )
                % {
                    "platform": self.rules.platform_name or gettext("Your books"),
                    "limit": self.room + DATE_SUFFIX,
                    "room": self.room,
                }
            )
        return value

    def clean(self):
        cleaned = super().clean()
        self.check_currency("currency", "currency", self.company.base_currency)
        strict.surface_hidden_errors(self)
        return cleaned
