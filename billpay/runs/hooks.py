"""What the runs app does when payments tells it one of a run's payments settled."""

from billpay.payments.models import Payment
from billpay.runs.services import run_group_settled
from billpay.runs.tasks import run_verify_task


def run_payment_settled(*, payment: Payment) -> None:
    """Registered in payments.hooks: once a run's last payment settles, verify the run (after
    the commit of the transaction that settled it)."""
    run_id = run_group_settled(payment=payment)
    if run_id is not None:
        run_verify_task.delay_on_commit(run_id=run_id)
