"""The translation catalogues: locale/<language>/LC_MESSAGES/django.po, compiled to the .mo
Django reads. The .mo files are committed, so a fresh machine runs and tests with no gettext
tools; `make messages` rebuilds them with Babel (the same bytes a test compares)."""

from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings


def catalogue_paths() -> list[Path]:
    """Every django.po under settings.LOCALE_PATHS."""
    return sorted(
        po for root in settings.LOCALE_PATHS for po in Path(root).glob("*/LC_MESSAGES/django.po")
    )


def catalogue_read(po: Path) -> Catalog:
    """The catalogue of one .po file (its language from the folder it sits in)."""
    with po.open("rb") as file:
        return read_po(file, locale=po.parent.parent.name)


def catalogue_compile(po: Path) -> bytes:
    """The .mo bytes of `po`: fuzzy and untranslated messages left out, as msgfmt does."""
    out = BytesIO()
    write_mo(out, catalogue_read(po), use_fuzzy=False)
    return out.getvalue()
