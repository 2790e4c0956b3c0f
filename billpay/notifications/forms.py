from django import forms
from django.utils.translation import gettext_lazy as _

from billpay.notifications.models import Kind, Preference


class PreferencesForm(forms.Form):
    """Per kind of notification: in the app, by email (two check boxes each)."""

    def __init__(self, *args, preferences: dict[str, Preference], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            pref = preferences.get(kind)
            self.fields[f"{kind}-app"] = forms.BooleanField(
                label=_("%(kind)s: in the app") % {"kind": label},
                required=False,
                initial=pref.in_app if pref else True,
            )
            self.fields[f"{kind}-email"] = forms.BooleanField(
                label=_("%(kind)s: by email") % {"kind": label},
                required=False,
                initial=pref.by_email if pref else True,
            )

    def rows(self):
        """(label, in-app field, email field) per kind, for the table."""
        return [(label, self[f"{kind}-app"], self[f"{kind}-email"]) for kind, label in Kind.choices]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {kind: (data[f"{kind}-app"], data[f"{kind}-email"]) for kind in Kind.values}
