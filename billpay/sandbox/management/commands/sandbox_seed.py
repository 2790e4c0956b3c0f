"""Create a sandbox company with a Linked connection and deterministic books."""

import time

from django.core.management.base import BaseCommand, CommandParser

from billpay.sandbox import seeding


class Command(BaseCommand):
    help = "Create a sandbox company + Linked connection with generated books (ledger = cache)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company-name", default="Demo Bakery Ltd")
        parser.add_argument("--bills", type=int, default=150)
        parser.add_argument("--suppliers", type=int, default=None)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--platform", default="qhyg", help="platform key: qhyg, gbol, akxx…")

    def handle(self, *args, **options) -> None:
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
