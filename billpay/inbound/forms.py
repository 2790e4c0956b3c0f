"""The upload form: one or many e-invoice files at once."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

MAX_FILES = 50


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Every file chosen, each checked as a FileField checks one (the ingest reads the bytes)."""

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Invoice files"),
        help_text=_("Factur-X PDFs, UBL or CII XML files. You can choose several at once."),
        widget=MultipleFileInput(
            attrs={"multiple": True, "accept": ".pdf,.xml,application/pdf,application/xml,text/xml"}
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: list = []

    def clean(self):
        cleaned = super().clean()
        uploads = [f for f in cleaned.get("files") or [] if f]
        if not uploads:
            raise forms.ValidationError(gettext("Choose at least one file."))
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(
                ngettext(
                    "Upload at most %(max)d file at once.",
                    "Upload at most %(max)d files at once.",
                    MAX_FILES,
                )
                % {"max": MAX_FILES}
            )
        self.uploads = uploads
        return cleaned


def max_megabytes() -> int:
    return settings.INBOUND_MAX_BYTES // (1024 * 1024)
