from django.core.management.base import BaseCommand

from billpay.onboarding.services import demo_seed

DEMO_PASSWORD = "billpay-demo"


class Command(BaseCommand):
    help = (
        "Create the demo company with a demo owner and accountant (safe to run again). With "
        "--codat-company-id/--codat-connection-id (from `sandbox_seed`), link it to those books "
        "and queue its first sync."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--codat-company-id", default="")
        parser.add_argument("--codat-connection-id", default="")
        parser.add_argument("--platform", default="qhyg")

    def handle(
        self,
        *args,
        password: str,
        codat_company_id: str,
        codat_connection_id: str,
        platform: str,
        **options,
    ):
        company = demo_seed(
            password=password,
            codat_company_id=codat_company_id,
            codat_connection_id=codat_connection_id,
            platform_key=platform,
        )
        self.stdout.write(f"Demo company: {company.name}")
        self.stdout.write(f"  owner@example.com / {password}")
        self.stdout.write(f"  accountant@example.com / {password}")
