"""Forms for bills and suppliers created here, checked against the platform's own rules.

`PlatformRules` (from `options/bills` and `options/suppliers`) add required fields, maximum
lengths and allowed currencies per platform, so the user sees them as form errors rather than
as a failed push minutes later.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core import validators
from django.utils import timezone

from billpay.bills.services.create import BillInput, LineInput, SupplierInput, bill_totals
from billpay.bills.services.options import PlatformRules
from billpay.core import forms as strict
from billpay.core.parsing import AMOUNT_MAX, ParseError, parse_int, scoped_key

DEFAULT_TERMS_DAYS = 30
# What an invoice file must start with: PDF, PNG or JPEG, whatever its name says.
MAGIC = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
)
MAX_LINES = 200
# Dates a bill can carry: wide enough for any real invoice, narrow enough that adding payment
# terms never leaves the calendar (date.max + 30 days is an OverflowError).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "BILL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def sniff_content_type(head: bytes) -> str:
    """The file's real type from its first bytes ("" when it is not a PDF, PNG or JPEG)."""
    return next((kind for magic, kind, _ in MAGIC if head.startswith(magic)), "")


def _megabytes(size: int) -> str:
    return f"{Decimal(size) / (1024 * 1024):.1f} MB"


class _RulesMixin:
    """Applies a PlatformRules to fields: `{form field: Codat path}`."""

    rule_paths: dict[str, str] = {}

    def apply_rules(self, rules: PlatformRules) -> None:
        self.rules = rules
        for name, path in self.rule_paths.items():
            field = self.fields.get(name)
            if field is None:
                continue
            if rules.required(path):
                field.required = True
            limit = rules.max_length(path)
            if limit and isinstance(field, forms.CharField):
                current = field.max_length
                field.max_length = min(limit, current) if current else limit
                field.widget.attrs["maxlength"] = str(field.max_length)
                field.validators = [
                    v for v in field.validators if not isinstance(v, validators.MaxLengthValidator)
                ]
                field.validators.append(
                    validators.MaxLengthValidator(
                        field.max_length,
                        message=f"{rules.platform_name or 'Your books'} allows at most "
                        f"{field.max_length} characters here (you typed %(show_value)d).",
                    )
                )

    def check_currency(self, name: str, path: str, base_currency: str) -> None:
        value = (self.cleaned_data.get(name) or "").upper()
        allowed = self.rules.choices(path)
        if value and allowed and value not in allowed:
            self.add_error(
                name,
                f"{self.rules.platform_name or 'Your books'} accepts {', '.join(allowed)} "
                f"here, not {value}.",
            )


def currency_choices(
    rules: PlatformRules, base_currency: str, current: str = ""
) -> list[tuple[str, str]]:
    """The currencies to offer: the platform's list (base currency first), or just the base one."""
    codes = list(rules.choices("currency")) or [base_currency]
    if base_currency in codes:
        codes.remove(base_currency)
        codes.insert(0, base_currency)
    if current and current not in codes:
        codes.append(current)
    return [(c, c) for c in codes]


class BillForm(_RulesMixin, forms.Form):
    """The bill's header: supplier (existing or typed in), reference, dates, currency, note, file."""

    # dueDate is required everywhere, but an empty due date is filled from the supplier's terms.
    rule_paths = {"reference": "reference", "note": "note"}

    submission_key = strict.KeyField()
    supplier = strict.ModelChoiceField(
        queryset=None, required=False, empty_label="Choose a supplier…"
    )
    new_supplier_name = forms.CharField(
        label="…or a new supplier", required=False, max_length=300,
        help_text="Created in your books together with the bill.",
    )  # fmt: skip
    new_supplier_email = forms.EmailField(
        label="New supplier's email", required=False, max_length=300
    )
    reference = forms.CharField(
        label="Invoice number", required=False, max_length=300,
        help_text="The supplier's reference for this bill.",
    )  # fmt: skip
    issue_date = strict.DateField(min_value=FIRST_DATE, max_value=LAST_DATE)
    due_date = strict.DateField(
        required=False, min_value=FIRST_DATE, max_value=LAST_DATE,
        help_text="Left empty: the supplier's usual terms, or 30 days.",
    )  # fmt: skip
    currency = forms.ChoiceField(choices=[])
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(
        label="Invoice (PDF, PNG or JPEG)", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
        error_messages={"empty": "The file is empty."},
    )  # fmt: skip
    pending_attachment = strict.KeyField(required=False)
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, company, rules: PlatformRules, supplier_rules: PlatformRules,
                 suppliers, terms=None, current_currency: str = "", **kwargs) -> None:  # fmt: skip
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
        self.fields["currency"].error_messages["invalid_choice"] = (
            f"{rules.platform_name or 'Your books'} accepts {offered} here, not %(value)s."
        )
        self.apply_rules(rules)
        limit = supplier_rules.max_length("supplierName")
        if limit:
            self.fields["new_supplier_name"].max_length = limit
            self.fields["new_supplier_name"].validators.append(
                validators.MaxLengthValidator(
                    limit,
                    message=f"{supplier_rules.platform_name} allows at most {limit} "
                    "characters in a supplier's name.",
                )  # fmt: skip
            )
        self.fields[
            "attachment"
        ].help_text = (
            f"Up to {_megabytes(attachment_max_bytes())}. It is attached to the bill in your books."
        )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        limit = attachment_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {_megabytes(upload.size)}; the limit is {_megabytes(limit)}."
            )
        head = upload.read(16)
        upload.seek(0)
        kind = sniff_content_type(head)
        if not kind:
            raise forms.ValidationError(
                "Upload a PDF, PNG or JPEG file. This file is none of those, whatever its name says."
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
            self.add_error("supplier", "Choose a supplier, or type the name of a new one.")
        if supplier is not None and new_name:
            self.add_error("new_supplier_name", "Choose a supplier or type a new one, not both.")
        issue, due = cleaned.get("issue_date"), cleaned.get("due_date")
        if issue and due and due < issue:
            self.add_error("due_date", "The due date can't be before the issue date.")
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
            name=name, email=self.cleaned_data.get("new_supplier_email") or "",
            default_currency=self.cleaned_data["currency"],
        )  # fmt: skip

    def bill_input(self, lines: list[LineInput]) -> BillInput:
        d = self.cleaned_data
        return BillInput(
            supplier=d.get("supplier"), reference=d.get("reference", "").strip(),
            issue_date=d["issue_date"], due_date=d["due_date"], currency=d["currency"],
            lines=tuple(lines), note=d.get("note", ""),
        )  # fmt: skip

    @staticmethod
    def initial_for_new(company) -> dict:
        today = timezone.localdate()
        return {
            "submission_key": uuid.uuid4(),
            "issue_date": today,
            "currency": company.base_currency,
        }


class LineForm(forms.Form):
    """One bill line; a line left completely empty is ignored."""

    description = forms.CharField(required=False, max_length=4000)
    quantity = strict.DecimalField(
        min_value=Decimal("0.0001"), max_value=AMOUNT_MAX, initial=Decimal("1"), what="a quantity"
    )
    # A unit price may carry more decimals than the currency (0.125 a screw): the column's four.
    # Each line's total is then rounded to the currency, as the books round it.
    unit_amount = strict.DecimalField(
        label="Unit price", min_value=Decimal("0"), max_value=AMOUNT_MAX, what="a price"
    )
    account = strict.ModelChoiceField(queryset=None, empty_label="Expense account…")
    tax_rate = strict.ModelChoiceField(queryset=None, required=False, empty_label="No tax")

    def __init__(self, *args, accounts=None, tax_rates=None, rules: PlatformRules | None = None,
                 **kwargs) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["tax_rate"].queryset = tax_rates
        rules = rules or PlatformRules()
        name = rules.platform_name or "Your books"
        if rules.required("lineItems.description"):
            self.fields["description"].required = True
            self.fields["description"].error_messages["required"] = f"{name} needs a description."
        if rules.required("lineItems.taxRateRef"):
            self.fields["tax_rate"].required = True
            self.fields["tax_rate"].error_messages["required"] = f"{name} needs a tax rate."
        for field in ("quantity", "unit_amount"):
            self.fields[field].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        # The lines table shows the labels only as column headings: name each field for screen
        # readers, with its line number.
        number = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        line = f"line {int(number) + 1}" if number.isdigit() else "line"
        for name, label in (("description", "Description"), ("account", "Expense account"),
                            ("tax_rate", "Tax rate"), ("quantity", "Quantity"),
                            ("unit_amount", "Unit price")):  # fmt: skip
            self.fields[name].widget.attrs["aria-label"] = f"{label}, {line}"

    def clean(self):
        cleaned = super().clean()
        quantity, unit = cleaned.get("quantity"), cleaned.get("unit_amount")
        if quantity is not None and unit is not None and quantity * unit > AMOUNT_MAX:
            self.add_error("unit_amount", "This line's amount is larger than BillPay can record.")
        return cleaned

    def line_input(self) -> LineInput:
        d = self.cleaned_data
        return LineInput(
            description=d.get("description", "").strip(), quantity=d["quantity"],
            unit_amount=d["unit_amount"], account=d["account"], tax_rate=d.get("tax_rate"),
        )  # fmt: skip


class BaseLineFormSet(forms.BaseFormSet):
    currency = "XXX"  # the bill's, set by line_formset(): lines are rounded to it

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        lines = self.lines()
        if not lines:
            raise forms.ValidationError("Add at least one line.")
        totals = bill_totals(lines=lines, currency=self.currency)
        if max(totals.total_amount, totals.tax_amount, totals.sub_total) > AMOUNT_MAX:
            raise forms.ValidationError("The bill's total is larger than BillPay can record.")

    def lines(self) -> list[LineInput]:
        return [
            f.line_input()
            for f in self.forms
            if f.has_changed() and f.is_valid() and not f.cleaned_data.get("DELETE")
        ]


LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=2, min_num=1, max_num=MAX_LINES, validate_max=True,
    absolute_max=MAX_LINES,
)  # fmt: skip


def line_formset(
    data=None, *, company, accounts, tax_rates, rules, initial=None, extra_lines=0, currency="XXX"
):
    """The lines formset bound to the company's accounts and tax rates.

    The posted line count is read as an ASCII number of at most MAX_LINES; anything else is
    left for the management form to refuse ("the form was tampered with"), so a forged count
    can neither crash the page nor make it render thousands of lines.
    """
    if data is not None:
        data = data.copy()
        try:
            total = parse_int(data.get("lines-TOTAL_FORMS"), min_value=0, max_value=MAX_LINES)
        except ParseError:
            data["lines-TOTAL_FORMS"] = ""
        else:
            data["lines-TOTAL_FORMS"] = str(min(total + extra_lines, MAX_LINES))
    formset = LineFormSet(
        data, prefix="lines", initial=initial,
        form_kwargs={"accounts": accounts, "tax_rates": tax_rates, "rules": rules},
    )  # fmt: skip
    formset.currency = currency
    _share_choices(formset)
    return formset


def _share_choices(formset) -> None:
    """Every line offers the same accounts and tax rates: read them once for all the lines,
    not once per line and field (200 lines were 400 queries and seconds of rendering)."""
    forms_ = formset.forms
    if not forms_:
        return
    for name in ("account", "tax_rate"):
        choices = list(forms_[0].fields[name].choices)
        for form in forms_:
            form.fields[name].choices = choices


class SupplierForm(_RulesMixin, forms.Form):
    """A supplier's details as the books keep them."""

    rule_paths = {
        "name": "supplierName",
        "contact_name": "contactName",
        "email": "emailAddress",
        "phone": "phone",
        "default_currency": "defaultCurrency",
    }

    submission_key = strict.KeyField()
    name = forms.CharField(label="Name", max_length=300)
    contact_name = forms.CharField(label="Contact person", required=False, max_length=300)
    email = forms.EmailField(required=False, max_length=300)
    phone = forms.CharField(required=False, max_length=100)
    tax_number = forms.CharField(label="Tax number", required=False, max_length=100)
    default_currency = forms.ChoiceField(label="Default currency", required=False, choices=[])
    address_line1 = forms.CharField(label="Address", required=False, max_length=300)
    address_line2 = forms.CharField(label="Address (line 2)", required=False, max_length=300)
    city = forms.CharField(required=False, max_length=100)
    region = forms.CharField(label="State / region", required=False, max_length=100)
    postal_code = forms.CharField(label="Postal code", required=False, max_length=20)
    country = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, company, rules: PlatformRules, current_currency: str = "", **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.company = company
        allowed = list(rules.choices("defaultCurrency")) or [company.base_currency]
        if current_currency and current_currency not in allowed:
            allowed.append(current_currency)
        self.fields["default_currency"].choices = [("", "—"), *[(c, c) for c in allowed]]
        self.fields["default_currency"].error_messages["invalid_choice"] = (
            f"{rules.platform_name or 'Your books'} accepts {', '.join(allowed)} here, not %(value)s."
        )
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
            "submission_key": uuid.uuid4(), "name": supplier.name,
            "contact_name": supplier.contact_name, "email": supplier.email, "phone": supplier.phone,
            "tax_number": supplier.tax_number, "default_currency": supplier.default_currency,
            "address_line1": billing.get("line1", ""), "address_line2": billing.get("line2", ""),
            "city": billing.get("city", ""), "region": billing.get("region", ""),
            "postal_code": billing.get("postalCode", ""), "country": billing.get("country", ""),
        }  # fmt: skip


def totals_lines(formset) -> list[LineInput]:
    """The lines as far as they can be read, for live totals (a half-typed line counts as far as it goes)."""
    lines = []
    for form in formset.forms:
        form.is_valid()  # fills cleaned_data with whatever parsed
        data = getattr(form, "cleaned_data", {}) or {}
        quantity, unit = data.get("quantity"), data.get("unit_amount")
        if quantity is None or unit is None:
            continue
        lines.append(
            LineInput(
                description="",
                quantity=quantity,
                unit_amount=unit,
                account=None,
                tax_rate=data.get("tax_rate"),
            )  # fmt: skip
        )
    return lines
