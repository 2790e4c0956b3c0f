"""Create a sandbox company with a Linked connection and deterministic books."""

import time

from django.core.management.base import BaseCommand, CommandParser

from billpay.sandbox import seeding
from billpay.sandbox.models import SandboxCompany


class Command(BaseCommand):
    help = "Create a sandbox company + Linked connection with generated books (ledger = cache)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company-name", default="Demo Bakery Ltd")
        parser.add_argument("--bills", type=int, default=150)
        parser.add_argument("--suppliers", type=int, default=None)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--platform", default="qhyg", help="platform key: qhyg, gbol, akxx…")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="If a company of that name exists, print its ids instead (make run uses this).",
        )

    def handle(self, *args, **options) -> None:
        if options["if_missing"]:
            existing = SandboxCompany.objects.filter(name=options["company_name"]).first()
            connection = existing and existing.connections.order_by("created").first()
            if connection is not None:
                self.stdout.write(f"company_id={existing.id}")
                self.stdout.write(f"connection_id={connection.id}")
                return
        started = time.monotonic()
        result = seeding.seed_company(
            name=options["company_name"],
            platform_key=options["platform"],
            bills=options["bills"],
            suppliers=options["suppliers"],
            seed=options["seed"],
        )
        elapsed = time.monotonic() - started
        self.stdout.write(f"company_id={result.company.id}")
        self.stdout.write(f"connection_id={result.connection.id}")
        self.stdout.write(
            f"Generated {result.books.bills} bills, {result.books.suppliers} suppliers, "
            f"{result.books.bill_payments} bill payments in {elapsed:.1f}s"
        )
