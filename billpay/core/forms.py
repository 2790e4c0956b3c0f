"""The form renderer, and form fields that parse through `core.parsing` (ASCII digits only,
bounded lengths and magnitudes), for every form that reads a number, a date, an id or a key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import BadRequest
from django.forms.renderers import TemplatesSetting
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from billpay.core import parsing
from billpay.core.parsing import ParseError


class FormRenderer(TemplatesSetting):
    """The project's template engine (so templates/ overrides work), with each field wrapped in <div class="field"> for spacing and errors."""

    field_template_name = "core/forms/field.html"


class FixedSelect(forms.Select):
    """A <select> whose choices are written in code: its HTML is rendered once per name, value,
    attributes and language, then remembered.

    Django renders every option through a template (a third of a millisecond for a select of
    six): the inbox's filters did that on every page view for the same few dozen results.
    """

    _rendered: dict[tuple, str] = {}

    def render(self, name, value, attrs=None, renderer=None):
        attrs_key = tuple(sorted((k, str(v)) for k, v in {**self.attrs, **(attrs or {})}.items()))
        choices = tuple((str(v), str(label)) for v, label in self.choices)
        key = (type(self), name, str(value), attrs_key, choices, get_language())
        html = self._rendered.get(key)
        if html is None:
            if len(self._rendered) > 1000:  # a bound, should choices ever vary after all
                self._rendered.clear()
            html = self._rendered[key] = super().render(name, value, attrs, renderer)
        return html


def _invalid(exc: ParseError) -> forms.ValidationError:
    return forms.ValidationError(exc.message, code="invalid")


class IntegerField(forms.IntegerField):
    """A whole number in ASCII digits within a bigint (or the given bounds)."""

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
        self.bounds = (
            parsing.BIGINT_MAX * -1 if min_value is None else min_value,
            parsing.BIGINT_MAX if max_value is None else max_value,
        )

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parsing.parse_int(value, min_value=self.bounds[0], max_value=self.bounds[1])
        except ParseError as exc:
            raise _invalid(exc) from None


class IdField(IntegerField):
    """A row id posted by a form (a hidden field or a select): positive, fits a bigint."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class NumberInput(forms.TextInput):
    """A number typed as the user's language writes it ("1 234,56", "1,234.56"): a text input
    with the phone's decimal keypad. The browser's <input type=number> refuses group separators
    and in some browsers the decimal comma, and then posts nothing at all."""

    def __init__(self, attrs: dict | None = None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal):
            return parsing.typed_number(value)
        return super().format_value(value)


class DecimalField(forms.DecimalField):
    """A plain decimal (no exponent, no NaN) that fits `max_digits`/`decimal_places`; more
    decimals than allowed is an error with a message, never a rounding. Typed text is read as
    people write numbers in either language, refusing what could mean two amounts."""

    widget = NumberInput

    def __init__(
        self,
        *,
        max_digits: int = parsing.AMOUNT_MAX_DIGITS,
        decimal_places: int = parsing.AMOUNT_PLACES,
        what: str = gettext_lazy("a number"),
        **kwargs,
    ):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self.what = what

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return self.parse(value)
        except ParseError as exc:
            raise _invalid(exc) from None

    def parse(self, value) -> Decimal:
        return parsing.parse_decimal(
            value,
            max_digits=self.max_digits,
            decimal_places=self.decimal_places,
            min_value=self.min_value,
            max_value=self.max_value,
            what=self.what,
            typed=True,
        )


class AmountField(DecimalField):
    """Money in one currency: at most its minor-unit decimals, no larger than the columns hold."""

    def __init__(self, *, currency: str, what: str = gettext_lazy("an amount"), **kwargs):
        self.currency = currency
        places = min(parsing.minor_places(currency), parsing.AMOUNT_PLACES)
        kwargs.setdefault("max_value", parsing.AMOUNT_MAX)
        whole = parsing.AMOUNT_MAX_DIGITS - parsing.AMOUNT_PLACES
        super().__init__(max_digits=whole + places, decimal_places=places, what=what, **kwargs)

    def parse(self, value) -> Decimal:
        return parsing.parse_amount(
            value, currency=self.currency, min_value=self.min_value, what=self.what, typed=True
        )


class DayInput(forms.TextInput):
    """A date typed and shown in the app's format for the language ("5 Mar 2025", "5 mars 2025"),
    whatever the browser's language (a native date input shows 03/05/2025 in one browser and
    05.03.2025 in another)."""

    def __init__(self, attrs: dict | None = None):
        super().__init__({"autocomplete": "off", "size": 12, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault(
            "placeholder", _("e.g. %(example)s") % {"example": date_format(date(2025, 3, 5))}
        )
        return context

    def format_value(self, value):
        if isinstance(value, date):
            return date_format(value)
        return super().format_value(value)


class DateField(forms.DateField):
    """A real date as the app shows it ("5 Mar 2025") or as YYYY-MM-DD, in ASCII digits, and
    within [min_value, max_value] when given."""

    widget = DayInput

    def __init__(self, *, min_value: date | None = None, max_value: date | None = None, **kwargs):
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parsing.parse_date(value)
        except ParseError as exc:
            raise _invalid(exc) from None

    def validate(self, value) -> None:
        super().validate(value)
        if value and self.min_value and value < self.min_value:
            raise forms.ValidationError(
                f"Pick a date on or after {date_format(self.min_value)}.", code="min_value"
            )
        if value and self.max_value and value > self.max_value:
            raise forms.ValidationError(
                f"Pick a date on or before {date_format(self.max_value)}.", code="max_value"
            )


class KeyField(forms.UUIDField):
    """A one-time key the form itself handed out (hidden); anything else is a form error."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": "This form has expired or was changed. Reload the page and try again.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parsing.parse_uuid(value)
        except ParseError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ModelChoiceField(forms.ModelChoiceField):
    """A choice of one of the given rows by id: anything that is not a positive ASCII id is an
    invalid choice before it reaches the database."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsing.parse_id(value)
        except ParseError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None
        return super().to_python(value)


def surface_hidden_errors(form: forms.Form) -> None:
    """Show a hidden field's error (a mangled one-time key) where the page shows form-wide
    errors: templates render hidden inputs bare, and an error nobody sees reads as a dead button."""
    for bound in form.hidden_fields():
        for message in form.errors.get(bound.name, []):
            if message not in form.non_field_errors():
                form.add_error(None, message)


def parse_or_400(parse, value, **kwargs):
    """`parse(value, **kwargs)`, or a 400 Bad Request for a value from a URL or query string that
    no page of ours would have sent (a form field is a form error instead)."""
    try:
        return parse(value, **kwargs)
    except ParseError as exc:
        raise BadRequest(exc.message) from None
