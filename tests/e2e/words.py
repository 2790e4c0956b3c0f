"""The app's own words in one language, for browser tests that run in English and in French.

`say = Words("fr")`, then `say("Pay by")` is what the page shows for that msgid in French, with
`say("Invitation sent to %(email)s.", email=...)` for placeholders and `say.n(...)` for plurals.
A test looks up every label, button and text through it, so one test body drives both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils import translation


@dataclass(frozen=True)
class Words:
    language: str

    @property
    def locale(self) -> str:
        """The browser's locale (and so its Accept-Language) for this language."""
        return {"en": "en-US", "fr": "fr-FR"}[self.language]

    def __call__(self, msgid: str, **params) -> str:
        with translation.override(self.language):
            text = translation.gettext(msgid)
        return text % params if params else text

    def n(self, singular: str, plural: str, count: int, **params) -> str:
        with translation.override(self.language):
            text = translation.ngettext(singular, plural, count)
        return text % {"counter": count, **params}

    def exact(self, msgid: str, **params) -> re.Pattern:
        """The text alone, with or without the colon a form label may add (« : » in French)."""
        return re.compile(rf"^{re.escape(self(msgid, **params))}\s*:?$")

    def starts(self, msgid: str) -> re.Pattern:
        """A sentence with placeholders, matched on its words before the first placeholder."""
        head = self(msgid).split("%(")[0]
        return re.compile(re.escape(head))

    def pattern(self, msgid: str, **params) -> re.Pattern:
        """The whole sentence with any placeholder left open: "^Enregistrer .* dans votre …"."""
        pieces = re.split(r"%\(\w+\)s", self(msgid))
        return re.compile("^" + ".*".join(map(re.escape, pieces)))

    @property
    def decimal_separator(self) -> str:
        """How a person types 61.50 in this language (the forms parse localized input)."""
        return "," if self.language == "fr" else "."
