"""A new or changed bill's header: supplier (or a new one), reference, dates, currency, file."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django import forms
from django.core import validators
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.bills.forms.rules import (
    RulesMixin,
    attachment_max_bytes,
    currency_choices,
    megabytes,
    sniff_content_type,
)
from billpay.bills.services.create import BillInput, LineInput, SupplierInput
from billpay.bills.services.options import PlatformRules
from billpay.core import forms as strict
from billpay.core.parsing import scoped_key

DEFAULT_TERMS_DAYS = 30
# Dates a bill can carry: wide enough for any real invoice, narrow enough that adding payment
# terms never leaves the calendar (date.max + 30 days is an OverflowError).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)


class BillForm(RulesMixin, forms.Form):
    """The bill's header: supplier (existing or typed in), reference, dates, currency, note, file."""

    # dueDate is required everywhere, but an empty due date is filled from the supplier's terms.
    rule_paths = {"reference": "reference", "note": "note"}

    submission_key = strict.KeyField()
    supplier = strict.ModelChoiceField(
        queryset=None, required=False, empty_label=_("Choose a supplier…"), label=_("Supplier")
    )
    new_supplier_name = forms.CharField(
        label=_("…or a new supplier"),
        required=False,
        max_length=300,
        help_text=_("Created in your books together with the bill."),
    )
    new_supplier_email = forms.EmailField(
        label=_("New supplier's email"), required=False, max_length=300
    )
    reference = forms.CharField(
        label=_("Invoice number"),
        required=False,
        max_length=300,
        help_text=_("The supplier's reference for this bill."),
    )
    issue_date = strict.DateField(label=_("Issue date"), min_value=FIRST_DATE, max_value=LAST_DATE)
    due_date = strict.DateField(
        label=_("Due date"),
        required=False,
        min_value=FIRST_DATE,
        max_value=LAST_DATE,
        help_text=_("Left empty: the supplier's usual terms, or 30 days."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=[])
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(
        label=_("Invoice (PDF, PNG or JPEG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
        error_messages={"empty": _("The file is empty.")},
    )
    pending_attachment = strict.KeyField(required=False)
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        company,
        rules: PlatformRules,
        supplier_rules: PlatformRules,
        suppliers,
        terms=None,
        current_currency: str = "",
        **kwargs,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.company, self.terms = company, terms
        self.fields["supplier"].queryset = suppliers
        self.fields["currency"].choices = currency_choices(
            rules, company.base_currency, current_currency
        )
        if not self.is_bound:
            self.fields["currency"].initial = company.base_currency
        offered = ", ".join(code for code, _ in self.fields["currency"].choices)
        self.fields["currency"].error_messages["invalid_choice"] = gettext(
            "%(platform)s accepts %(offered)s here, not %(value)s."
        ) % {
            "platform": rules.platform_name or gettext("Your books"),
            "offered": offered,
            "value": "%(value)s",  # left for the field to fill in
        }
        self.apply_rules(rules)
        limit = supplier_rules.max_length("supplierName")
        if limit:
            self.fields["new_supplier_name"].max_length = limit
            self.fields["new_supplier_name"].validators.append(
                validators.MaxLengthValidator(
                    limit,
                    message=gettext(
                        "%(platform)s allows at most %(limit)s characters in a supplier's name."
                    )
                    % {"platform": supplier_rules.platform_name, "limit": limit},
                )
            )
        self.fields["attachment"].help_text = gettext(
            "Up to %(size)s. It is attached to the bill in your books."
        ) % {"size": megabytes(attachment_max_bytes())}

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if upload.size == 0:
            raise forms.ValidationError(gettext("The file is empty."))
        limit = attachment_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is %(size)s; the limit is %(limit)s.")
                % {"size": megabytes(upload.size), "limit": megabytes(limit)}
            )
        head = upload.read(16)
        upload.seek(0)
        kind = sniff_content_type(head)
        if not kind:
            raise forms.ValidationError(
                gettext(
                    "Upload a PDF, PNG or JPEG file. This file is none of those, whatever its name says."
                )
            )
        upload.sniffed_content_type = kind
        return upload

    def clean_submission_key(self):
        return scoped_key(company_id=self.company.pk, key=self.cleaned_data["submission_key"])

    def clean(self):
        cleaned = super().clean()
        supplier, new_name = (
            cleaned.get("supplier"),
            (cleaned.get("new_supplier_name") or "").strip(),
        )
        if supplier is None and not new_name and "new_supplier_name" not in self.errors:
            self.add_error("supplier", gettext("Choose a supplier, or type the name of a new one."))
        if supplier is not None and new_name:
            self.add_error(
                "new_supplier_name", gettext("Choose a supplier or type a new one, not both.")
            )
        issue, due = cleaned.get("issue_date"), cleaned.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", gettext("The due date can't be before the issue date."))
        if issue and not due and "due_date" not in self.errors:
            days = (self.terms(supplier) if supplier and self.terms else None) or DEFAULT_TERMS_DAYS
            cleaned["due_date"] = issue + timedelta(days=days)
        self.check_currency("currency", "currency", self.company.base_currency)
        strict.surface_hidden_errors(self)
        return cleaned

    def new_supplier(self) -> SupplierInput | None:
        name = (self.cleaned_data.get("new_supplier_name") or "").strip()
        if self.cleaned_data.get("supplier") is not None or not name:
            return None
        return SupplierInput(
            name=name,
            email=self.cleaned_data.get("new_supplier_email") or "",
            default_currency=self.cleaned_data["currency"],
        )

    def bill_input(self, lines: list[LineInput]) -> BillInput:
        d = self.cleaned_data
        return BillInput(
            supplier=d.get("supplier"),
            reference=d.get("reference", "").strip(),
            issue_date=d["issue_date"],
            due_date=d["due_date"],
            currency=d["currency"],
            lines=tuple(lines),
            note=d.get("note", ""),
        )

    @staticmethod
    def initial_for_new(company) -> dict:
        today = timezone.localdate()
        return {
            "submission_key": uuid.uuid4(),
            "issue_date": today,
            "currency": company.base_currency,
        }
