"""The forecast page's choices: how far ahead, which bills, which account."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billpay.core import forms as strict
from billpay.insights.forecast import HORIZONS

BILLS_ALL, BILLS_APPROVED = "all", "approved"


def horizon_choices() -> list[tuple[str, str]]:
    """The look-ahead choices ("30 days"), in the active language."""
    return [
        (str(n), ngettext("%(count)d day", "%(count)d days", n) % {"count": n}) for n in HORIZONS
    ]


@dataclass(frozen=True)
class ForecastOptions:
    horizon_days: int = HORIZONS[0]
    include_unapproved: bool = True
    account_id: int | None = None


class ForecastForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Look ahead"),
        choices=horizon_choices,
        coerce=int,
        required=False,
        empty_value=HORIZONS[0],
    )
    bills = forms.ChoiceField(
        label=_("Bills"),
        choices=[
            (BILLS_ALL, _("All unpaid bills")),
            (BILLS_APPROVED, _("Leave out bills waiting for approval")),
        ],
        required=False,
    )
    account = strict.IdField(required=False, widget=forms.HiddenInput)

    def options(self) -> ForecastOptions:
        """The choices made; a value the form does not offer falls back to the default."""
        if not self.is_valid():
            return ForecastOptions(account_id=self.cleaned_data.get("account"))
        data = self.cleaned_data
        return ForecastOptions(
            horizon_days=data["days"] or HORIZONS[0],
            include_unapproved=data["bills"] != BILLS_APPROVED,
            account_id=data["account"],
        )
