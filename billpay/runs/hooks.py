"""What the runs app does when payments tells it one of a run's payments settled, and when bills
tells it a sync has just re-read the bills. (A payment deleted from the books goes straight to
`services.run_payment_deleted`.)"""

from billpay.onboarding.models import Company
from billpay.payments.models import Payment
from billpay.runs.services import run_group_settled, runs_awaiting_bills
from billpay.runs.tasks import run_verify_task


def run_payment_settled(*, payment: Payment) -> None:
    """Registered in payments.hooks: once a run's last payment settles, verify the run (after
    the commit of the transaction that settled it)."""
    run_id = run_group_settled(payment=payment)
    if run_id is not None:
        run_verify_task.delay_on_commit(run_id=run_id)


def run_bills_synced(*, company: Company) -> None:
    """Registered in bills.sync_hooks: a sync has just re-read the company's bills (the
    read.completed webhook's, after a run's refresh): verify the runs waiting for their refresh
    now rather than at their next poll."""
    for run_id in runs_awaiting_bills(company=company):
        run_verify_task.delay_on_commit(run_id=run_id)
