"""What the create forms share: the platform's rules on fields, and the invoice file checks.

`PlatformRules` (from `options/bills` and `options/suppliers`) add required fields, maximum
lengths and allowed currencies per platform, so the user sees them as form errors rather than
as a failed push minutes later.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core import validators
from django.utils.formats import number_format
from django.utils.translation import gettext

from billpay.bills.services.options import PlatformRules

# What an invoice file must start with: PDF, PNG or JPEG, whatever its name says.
MAGIC = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "BILL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def sniff_content_type(head: bytes) -> str:
    """The file's real type from its first bytes ("" when it is not a PDF, PNG or JPEG)."""
    return next((kind for magic, kind, _ in MAGIC if head.startswith(magic)), "")


def megabytes(size: int) -> str:
    """A file size in megabytes, written the reader's way ("2.0 MB", « 2,0 Mo »)."""
    number = number_format(Decimal(size) / (1024 * 1024), decimal_pos=1, use_l10n=True)
    return gettext("%(number)s MB") % {"number": number}


class RulesMixin:
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
                        message=gettext(
                            "%(platform)s allows at most %(limit)s characters here"
                            " (you typed %(show_value)s)."
                        )
                        % {
                            "platform": rules.platform_name or gettext("Your books"),
                            "limit": field.max_length,
                            "show_value": "%(show_value)d",  # left for the validator to fill in
                        },
                    )
                )

    def check_currency(self, name: str, path: str, base_currency: str) -> None:
        value = (self.cleaned_data.get(name) or "").upper()
        allowed = self.rules.choices(path)
        if value and allowed and value not in allowed:
            self.add_error(
                name,
                gettext("%(platform)s accepts %(offered)s here, not %(value)s.")
                % {
                    "platform": self.rules.platform_name or gettext("Your books"),
                    "offered": ", ".join(allowed),
                    "value": value,
                },
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
