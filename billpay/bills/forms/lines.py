"""A bill's lines: one form per line, the formset, and the totals shown while typing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.bills.services.create import LineInput, bill_totals
from billpay.bills.services.options import PlatformRules
from billpay.core import forms as strict
from billpay.core.parsing import AMOUNT_MAX, ParseError, parse_int

MAX_LINES = 200


class LineForm(forms.Form):
    """One bill line; a line left completely empty is ignored."""

    description = forms.CharField(label=_("Description"), required=False, max_length=4000)
    quantity = strict.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.0001"),
        max_value=AMOUNT_MAX,
        initial=Decimal("1"),
        what=_("a quantity"),
    )
    # A unit price may carry more decimals than the currency (0.125 a screw): the column's four.
    # Each line's total is then rounded to the currency, as the books round it.
    unit_amount = strict.DecimalField(
        label=_("Unit price"), min_value=Decimal("0"), max_value=AMOUNT_MAX, what=_("a price")
    )
    account = strict.ModelChoiceField(
        label=_("Account"), queryset=None, empty_label=_("Expense account…")
    )
    tax_rate = strict.ModelChoiceField(
        label=_("Tax rate"), queryset=None, required=False, empty_label=_("No tax")
    )

    def __init__(
        self, *args, accounts=None, tax_rates=None, rules: PlatformRules | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
        self.fields["tax_rate"].queryset = tax_rates
        rules = rules or PlatformRules()
        name = rules.platform_name or gettext("Your books")
        if rules.required("lineItems.description"):
            self.fields["description"].required = True
            self.fields["description"].error_messages["required"] = gettext(
                "%(platform)s needs a description."
            ) % {"platform": name}
        if rules.required("lineItems.taxRateRef"):
            self.fields["tax_rate"].required = True
            self.fields["tax_rate"].error_messages["required"] = gettext(
                "%(platform)s needs a tax rate."
            ) % {"platform": name}
        for field in ("quantity", "unit_amount"):
            self.fields[field].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        # The lines table shows the labels only as column headings: name each field for screen
        # readers, with its line number.
        number = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        for name, label in (
            ("description", gettext("Description")),
            ("account", gettext("Expense account")),
            ("tax_rate", gettext("Tax rate")),
            ("quantity", gettext("Quantity")),
            ("unit_amount", gettext("Unit price")),
        ):
            self.fields[name].widget.attrs["aria-label"] = (
                gettext("%(label)s, line %(number)s") % {"label": label, "number": int(number) + 1}
                if number.isdigit()
                else gettext("%(label)s, line") % {"label": label}
            )

    def clean(self):
        cleaned = super().clean()
        quantity, unit = cleaned.get("quantity"), cleaned.get("unit_amount")
        if quantity is not None and unit is not None and quantity * unit > AMOUNT_MAX:
            self.add_error(
                "unit_amount", gettext("This line's amount is larger than BillPay can record.")
            )
        return cleaned

    def line_input(self) -> LineInput:
        d = self.cleaned_data
        return LineInput(
            description=d.get("description", "").strip(),
            quantity=d["quantity"],
            unit_amount=d["unit_amount"],
            account=d["account"],
            tax_rate=d.get("tax_rate"),
        )


class BaseLineFormSet(forms.BaseFormSet):
    currency = "XXX"  # the bill's, set by line_formset(): lines are rounded to it

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        lines = self.lines()
        if not lines:
            raise forms.ValidationError(gettext("Add at least one line."))
        totals = bill_totals(lines=lines, currency=self.currency)
        if max(totals.total_amount, totals.tax_amount, totals.sub_total) > AMOUNT_MAX:
            raise forms.ValidationError(
                gettext("The bill's total is larger than BillPay can record.")
            )

    def lines(self) -> list[LineInput]:
        return [
            f.line_input()
            for f in self.forms
            if f.has_changed() and f.is_valid() and not f.cleaned_data.get("DELETE")
        ]


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=2,
    min_num=1,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)


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
        data,
        prefix="lines",
        initial=initial,
        form_kwargs={"accounts": accounts, "tax_rates": tax_rates, "rules": rules},
    )
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
            )
        )
    return lines
