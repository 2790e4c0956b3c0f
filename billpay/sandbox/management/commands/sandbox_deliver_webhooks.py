"""Attempt every sandbox webhook delivery whose retry time has come."""

from django.core.management.base import BaseCommand, CommandParser

from billpay.sandbox import webhooks


class Command(BaseCommand):
    help = "Deliver (or retry) pending sandbox webhooks now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args, **options) -> None:
        count = webhooks.deliver_due(limit=options["limit"])
        self.stdout.write(f"Attempted {count} webhook deliveries.")
