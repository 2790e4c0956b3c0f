import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from billpay.bills.models import SyncRun
from billpay.bills.services import SyncOutcome, bills_sync, sync_run_fail, sync_run_queue
from billpay.bills.services.sync.common import INTERRUPTED
from billpay.core.words import phrase
from billpay.onboarding.models import Company


class Command(BaseCommand):
    help = "Sync one company's books now, in this process (incremental unless --full)."

    def add_arguments(self, parser):
        parser.add_argument("company_id", type=int)
        parser.add_argument(
            "--full", action="store_true", help="Re-read everything and find deletions."
        )

    def handle(self, *args, company_id: int, full: bool, **options):
        company = Company.objects.filter(pk=company_id).first()
        if company is None:
            raise CommandError(f"No company with id {company_id}.")
        run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.COMMAND, full=full)
        outcome = bills_sync(run_id=run.pk)
        # While Codat's first read goes on, wait here as the worker would (never leave the run
        # waiting with nobody to resume it: that would hold the one-active-run guard).
        try:
            for _ in range(settings.SYNC_WAIT_RETRIES):
                if outcome != SyncOutcome.WAITING:
                    break
                self.stdout.write("Codat is still reading the books for the first time; waiting…")
                time.sleep(settings.SYNC_WAIT_SECONDS)
                outcome = bills_sync(run_id=run.pk)
        except KeyboardInterrupt:
            sync_run_fail(run_id=run.pk, reason=phrase(INTERRUPTED))
            raise
        if outcome == SyncOutcome.WAITING:
            sync_run_fail(
                run_id=run.pk,
                reason=phrase(
                    gettext_noop(
                        "Your accounting software had not finished its first read of your "
                        "books; sync again later."
                    )
                ),
            )
        run.refresh_from_db()
        if outcome == SyncOutcome.SKIPPED:
            raise CommandError(
                f"Another sync of {company} is running (run {run.pk}); try again when it ends."
            )
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Sync failed: {run.error}")
        for data_type, counts in run.counts.items():
            self.stdout.write(f"{data_type}: {counts}")
        self.stdout.write(f"Done in {run.duration_s:.1f} s with {run.api_calls} API calls.")
