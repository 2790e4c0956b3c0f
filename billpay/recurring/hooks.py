"""What recurring bills do when bills tells them a sync has re-read the company's bills."""

from billpay.onboarding.models import Company
from billpay.recurring.services import recurring_payments_waiting
from billpay.recurring.tasks import recurring_payments_task


def recurring_bills_synced(*, company: Company) -> None:
    """Registered in bills.sync_hooks: a bill a template made may now be in the books, so its
    payment can be prepared now rather than at the next daily run."""
    if recurring_payments_waiting(company=company):
        recurring_payments_task.delay_on_commit(company_id=company.pk)
