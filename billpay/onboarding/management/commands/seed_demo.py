from django.core.management.base import BaseCommand

from billpay.onboarding.services import demo_seed

DEMO_PASSWORD = "billpay-demo"


class Command(BaseCommand):
    help = "Create the demo company with a demo owner and accountant (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, password: str, **options):
        company = demo_seed(password=password)
        self.stdout.write(f"Demo company: {company.name}")
        self.stdout.write(f"  owner@example.com / {password}")
        self.stdout.write(f"  accountant@example.com / {password}")
