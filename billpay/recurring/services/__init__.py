"""Recurring bills: templates saved, paused and resumed, and the bills they make on schedule.

A template makes one occurrence per date of its schedule (`RecurringOccurrence`, unique per
template and date). An occurrence's way:

    pending ──the bill form accepts it, bill_create──▶ created ──(payment asked)──▶ waiting
       └──refused (the form's or the duplicate guard's words: `reason`)   waiting ──bill in books──▶
                              scheduled (payment_confirm scheduled it) | prepared (a draft: it
                              needs approval or someone who may confirm) | refused (`reason`)

- **The bill** is made exactly as the "New bill" page makes it: the bill form is bound to the
  template's values (the platform's rules, the lines' checks), then `bill_create` with the
  occurrence's own submission key (derived from template and date), which is the push's
  Idempotency-Key: the push machine (`billpay.pushes`) sends it once, looks it up after a lost
  answer, never re-sends blindly. Two workers on the same date share the occurrence row (the
  unique constraint) and its lock, so one bill.
- **The payment** waits for the bill to be in the books (a bill on its way can't be paid), then
  goes through `payment_prepare` (idempotent on a token derived from the occurrence) and
  `payment_confirm` in the name of the template's `run_as`: the approval gate, the role and
  two-step login rules apply as for a person; what stops it is kept as the reason.
"""

from billpay.recurring.services.bills import (
    bill_checked,
    bill_reference,
    occurrence_key,
    occurrence_run,
    plain,
    recurring_due_company_ids,
    recurring_due_dates,
    recurring_run,
)
from billpay.recurring.services.payments import (
    occurrence_payment_prepare,
    recurring_payments_prepare,
    recurring_payments_waiting,
)
from billpay.recurring.services.templates import (
    TemplateInput,
    preview_since,
    recurring_create,
    recurring_pause,
    recurring_resume,
    recurring_update,
    schedule_of,
)

__all__ = [
    "TemplateInput",
    "bill_checked",
    "bill_reference",
    "occurrence_key",
    "occurrence_payment_prepare",
    "occurrence_run",
    "plain",
    "preview_since",
    "recurring_create",
    "recurring_due_company_ids",
    "recurring_due_dates",
    "recurring_pause",
    "recurring_payments_prepare",
    "recurring_payments_waiting",
    "recurring_resume",
    "recurring_run",
    "recurring_update",
    "schedule_of",
]
