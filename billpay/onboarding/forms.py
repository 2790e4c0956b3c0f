from functools import cache

from babel import Locale
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from billpay.core import forms as strict
from billpay.core.selectors import AUTOMATIC, AuditFilter
from billpay.core.words import AUDIT_AREAS
from billpay.onboarding.models import Membership

# Currencies a small business is likely to keep its books in; the list is long enough to be
# useful and short enough to pick from.
COMMON_CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "NZD",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "JPY",
    "SGD",
    "HKD",
    "ZAR",
    "INR",
    "MXN",
    "BRL",
    "AED",
)


def _language() -> str:
    """The active language's code, as Babel names it ("en-us" → "en")."""
    return Locale.parse(get_language() or "en", sep="-").language


def currency_choices() -> list[tuple[str, str]]:
    """The common currencies, named in the active language."""
    return _currency_choices(_language())


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language."""
    return _country_choices(_language())


@cache
def _currency_choices(language: str) -> list[tuple[str, str]]:
    names = Locale(language).currencies
    return [(code, f"{code} — {names.get(code, code)}") for code in COMMON_CURRENCIES]


@cache
def _country_choices(language: str) -> list[tuple[str, str]]:
    territories = Locale(language).territories
    countries = {
        code: name for code, name in territories.items() if len(code) == 2 and code.isalpha()
    }
    return sorted(countries.items(), key=lambda item: item[1])


class NewPasswordMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class CompanyForm(forms.Form):
    company_name = forms.CharField(label=_("Business name"), max_length=200)
    base_currency = forms.ChoiceField(
        label=_("Currency of your books"), choices=currency_choices, initial="USD"
    )
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, initial="US")


class SignUpForm(NewPasswordMixin, CompanyForm):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    field_order = [
        "full_name",
        "email",
        "password1",
        "password2",
        "company_name",
        "base_currency",
        "country",
    ]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    # Left out (an older page, a script): an accountant, as before there were roles to choose.
    role = forms.ChoiceField(label=_("Role"), initial=Membership.Role.ACCOUNTANT, required=False)

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles

    def clean_role(self) -> str:
        return self.cleaned_data["role"] or Membership.Role.ACCOUNTANT


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class InvitationAcceptNewUserForm(NewPasswordMixin):
    full_name = forms.CharField(label=_("Your name"), max_length=150)

    field_order = ["full_name", "password1", "password2"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with each email written in its recipient's language (the one they
    chose, else the language of the page the reset was asked from)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = context["user"].language or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class LanguageForm(forms.Form):
    """The header's language chooser: one of settings.LANGUAGES, and the page to go back to."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)


class CompanySwitchForm(forms.Form):
    company = strict.IdField()


class AuditFilterForm(forms.Form):
    """The audit page's GET parameters; anything malformed shows the whole trail."""

    person = forms.ChoiceField(
        label=_("Who"), required=False, widget=forms.Select(attrs={"data-autosubmit": ""})
    )
    area = forms.ChoiceField(
        label=_("What"), required=False, widget=forms.Select(attrs={"data-autosubmit": ""})
    )
    q = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Email, supplier, reference…")}),
    )
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, people: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            ("", _("Anyone")),
            *people,
            (AUTOMATIC, _("BillPay, by itself")),
        ]
        self.fields["area"].choices = [
            ("", _("Everything")),
            *((key, label) for key, (label, _prefixes) in AUDIT_AREAS.items()),
            ("books", _("Writes to the books")),
        ]

    def filters(self) -> AuditFilter:
        if not self.is_valid():
            return AuditFilter()
        data = self.cleaned_data
        return AuditFilter(person=data["person"], area=data["area"], q=data["q"].strip())

    def cursor(self) -> int | None:
        return self.cleaned_data.get("before") if self.is_valid() else None


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app, or a recovery code (the service checks its shape)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class TwoFactorDisableForm(forms.Form):
    secret = forms.CharField(
        label=_("Your password, or a code from your app"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TwoFactorRequiredForm(forms.Form):
    required = forms.BooleanField(
        label=_("Require two-step login for every member"), required=False
    )


class AdminLoginForm(AdminAuthenticationForm):
    """The Django admin's login, which knows no second step: an account with two-step login on
    is sent to the app's login (which asks for the code), then comes back to the admin."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        from billpay.onboarding.services.two_factor import two_factor_enabled

        if two_factor_enabled(user=user):
            raise forms.ValidationError(
                gettext(
                    "This account logs in with two steps: log in on the app's login page "
                    "(%(url)s), then open the admin again."
                )
                % {"url": f"{reverse('login')}?next={reverse('admin:index')}"},
                code="two_factor",
            )
