"""Pay runs: many bills of many suppliers paid together, one bill payment per group.

A run's states (each step a conditional `UPDATE … WHERE status IN (…)`, with an audit event):

    draft ──approve (an owner)──▶ approved ──confirm──▶ sending ──all verified──▶ done
      │  ▲      any change ◀──────────┘                   │  ▲
      │  └────────────────────────────────────────confirm─┘  └─retry a group─┐
      ▼                                                    └─some failed──▶ attention
    cancelled

- A draft groups its bills by supplier × currency × payment account (the account mapped for
  the run's method in that currency; on Xero, optionally one batch per currency × account
  across suppliers). Amounts (partial payments), the date, the method and the batch choice can
  change until it is confirmed; each change rotates the run's form token and withdraws an
  approval. A draft reserves nothing.
- Approval: if the company's policy would hold any of its bills (the approval threshold and
  bill reviews, as for one payment), an owner approves the run as a whole before it is paid.
- Confirm: refused when the run changed since the page was drawn (form token), when it would
  overdraw an account without an explicit "yes" (`cash.run_shortfalls`), or when a currency
  has no account. Then, in one transaction, draft/approved → sending (exactly one of two
  confirmers wins) and one `payments.Payment` per group is prepared and confirmed through
  `payments_create_batch`: each written back exactly once by its push.
- Verify (`verify.py`): once every payment is recorded (or failed), one bills refresh for the
  whole run, one read (a sync run after Codat says the refresh completed; the end of the
  read.completed webhook's sync starts it at once), every payment the mirror shows verified. A failed group is retried on
  its own (`run_retry_group`: a new push, once).
"""

from billpay.runs.services.cash import Shortfall, run_cash, run_shortfalls
from billpay.runs.services.confirm import run_approve, run_confirm, run_reject, run_retry_group
from billpay.runs.services.create import (
    RUN_MAX_BILLS,
    batch_offered,
    default_method,
    run_cancel,
    run_create,
    run_set_amount,
    run_set_batch,
    run_set_date,
    run_set_method,
)
from billpay.runs.services.verify import (
    run_group_settled,
    run_payment_deleted,
    run_verify,
    runs_awaiting_bills,
    runs_quiet,
)

__all__ = [
    "RUN_MAX_BILLS",
    "Shortfall",
    "batch_offered",
    "default_method",
    "run_approve",
    "run_reject",
    "run_cancel",
    "run_cash",
    "run_confirm",
    "run_create",
    "run_group_settled",
    "run_payment_deleted",
    "run_retry_group",
    "run_set_amount",
    "run_set_batch",
    "run_set_date",
    "run_set_method",
    "run_shortfalls",
    "run_verify",
    "runs_awaiting_bills",
    "runs_quiet",
]
