"""Compile every locale/<language>/LC_MESSAGES/django.po to its .mo with Babel (no gettext)."""

from django.core.management.base import BaseCommand

from billpay.core.catalogues import catalogue_compile, catalogue_paths


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) with Babel."

    def handle(self, *args, **options):
        for po in catalogue_paths():
            po.with_suffix(".mo").write_bytes(catalogue_compile(po))
            self.stdout.write(f"Compiled {po.with_suffix('.mo')}")
