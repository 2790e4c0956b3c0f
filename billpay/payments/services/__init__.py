"""Payments: preparing a payment and writing it back to the books exactly once.

State machine (every step is a conditional `UPDATE … WHERE status IN (…)` plus a row-count
check, and appends a PaymentEvent for the timeline):

    draft ──confirm──▶ queued ──claim──▶ submitting ──push answered──▶ submitted
      │      (future date)▲                 │   │                        │  (webhook / poll)
      │                   │                 │   └─unknown outcome─▶ checking ◀─TimedOut─┤
      ▼                scheduled ──bill changed──▶ on_hold                │             │
    cancelled ◀──cancel── (draft, scheduled, on_hold)       found in books│   Success   │ Failed
                                                                         ▼             ▼      ▼
                                                      not in books ──▶ queued      pending   failed
                                                      (new attempt, new key)          │ books show
                                                                                      ▼ lower amountDue
                                                                                   verified
- Amounts are reserved while a payment is in flight (draft … pending): preparing, confirming
  and retrying lock the bills (`select_for_update`, in id order) and check that every amount
  is > 0 and ≤ amount due − what other in-flight payments already reserve.
- `payment_write_back` claims queued → submitting, then pushes *outside* any transaction with
  the attempt's Idempotency-Key and our reference on the bill payment, and records submitted
  with the pushOperationKey. A transient error before sending puts the row back to queued.
- Unknown outcomes (lost response, 5xx or timeout after sending, TimedOut push, a worker that
  died while submitting) go to checking. `payment_lookup` never pushes blindly: it reads the
  push operation if we have its key, then looks for a bill payment with our reference in the
  books, waits while push history shows unattributed pushes still pending, refreshes Codat's
  copy of bill payments and searches again; only when the books certainly lack the payment
  does it queue a new attempt with a new key.
- On Success a bills refresh is queued; `payment_verify` marks verified only once the mirrored
  bills show the lower amountDue and our bill payment among their allocations.
- Failed releases the reservation (failed is not in flight) and offers a retry (a new
  attempt with a new Idempotency-Key).
"""

from billpay.payments.services.common import payment_methods
from billpay.payments.services.prepare import (
    AmountNotAvailable,
    ApprovalRequired,
    MappingRequired,
    NotAllowed,
    PaymentInvalid,
    payment_body,
    payment_cancel,
    payment_confirm,
    payment_prepare,
    payment_retry,
    payment_settings_save,
)
from billpay.payments.services.schedule import (
    payments_submit_due,
    payments_submit_due_all,
    payments_sweep,
    payments_sweep_all,
)
from billpay.payments.services.writeback import (
    payment_follow,
    payment_lookup,
    payment_task_failed,
    payment_verify,
    payment_write_back,
    payment_write_event,
)

__all__ = [
    "AmountNotAvailable",
    "ApprovalRequired",
    "MappingRequired",
    "NotAllowed",
    "PaymentInvalid",
    "payment_body",
    "payment_cancel",
    "payment_confirm",
    "payment_follow",
    "payment_lookup",
    "payment_methods",
    "payment_prepare",
    "payment_retry",
    "payment_settings_save",
    "payment_task_failed",
    "payment_verify",
    "payment_write_back",
    "payment_write_event",
    "payments_submit_due",
    "payments_submit_due_all",
    "payments_sweep",
    "payments_sweep_all",
]
