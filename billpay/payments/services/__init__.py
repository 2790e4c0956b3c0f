"""Payments: preparing a payment, sending it to the books exactly once, verifying it there.

A payment's own states (every step a conditional `UPDATE … WHERE status IN (…)` that appends
a PaymentEvent for the timeline):

    draft ──confirm──▶ sending ──its push succeeded──▶ pending ──books show it──▶ verified
      │  (future date)▲    └──its push failed──▶ failed ──retry (a new push)──▶ sending
      ▼               │
    scheduled ──due───┘──bill changed──▶ on_hold
    cancelled ◀──cancel── (draft, scheduled, on_hold)

- Amounts are reserved while a payment is in flight (draft … pending): preparing, confirming
  and retrying lock the bills (`select_for_update`, in id order) and check that every amount
  is > 0 and ≤ amount due − what other in-flight payments already reserve.
- Sending is the payment's `push` (`billpay.pushes`: claim, send, follow, look up after an
  unknown outcome, never re-send blindly); the payment follows it through its adapter
  (`payments/pushes.py`) and shows the push's own words while sending ("Checking your books").
  The books are searched for a lost payment by our reference on the bill payment.
- Once recorded, Codat is asked to re-read the bills; `payment_verify` marks the payment
  verified only once the mirrored bills show the lower amountDue and our bill payment.
- A batch (a pay run) prepares and confirms many payments at once (`payments_create_batch`,
  approved as a whole); its payments are `refresh_by_batch`: each one recorded, failed or held
  is announced to the batch (`payments.hooks`), which asks for one bills refresh for all of them
  and verifies them with one read (`payments_verify_in_mirror`).
- Failed releases the reservation (failed is not in flight) and offers a retry: a new push,
  a new Idempotency-Key.
"""

from billpay.payments.errors import (
    AmountNotAvailable,
    ApprovalRequired,
    MappingRequired,
    NotAllowed,
    PaymentInvalid,
)
from billpay.payments.services.common import payment_methods
from billpay.payments.services.deletes import (
    payment_delete_in_books,
    payment_delete_refusal,
)
from billpay.payments.services.prepare import (
    BatchGroup,
    payment_body,
    payment_cancel,
    payment_confirm,
    payment_prepare,
    payment_retry,
    payment_settings_save,
    payments_create_batch,
)
from billpay.payments.services.schedule import payments_due_company_ids, payments_submit_due
from billpay.payments.services.writeback import (
    bills_refresh_done,
    bills_refresh_request,
    payment_push_changed,
    payment_request_bills_refresh,
    payment_send,
    payment_settled,
    payment_verify,
    payments_pending_quiet,
    payments_verify_in_mirror,
)

__all__ = [
    "AmountNotAvailable",
    "BatchGroup",
    "ApprovalRequired",
    "MappingRequired",
    "NotAllowed",
    "PaymentInvalid",
    "bills_refresh_done",
    "bills_refresh_request",
    "payment_body",
    "payment_cancel",
    "payment_confirm",
    "payment_delete_in_books",
    "payment_delete_refusal",
    "payment_methods",
    "payment_prepare",
    "payment_push_changed",
    "payment_request_bills_refresh",
    "payment_retry",
    "payment_send",
    "payment_settings_save",
    "payment_settled",
    "payment_verify",
    "payments_due_company_ids",
    "payments_pending_quiet",
    "payments_create_batch",
    "payments_submit_due",
    "payments_verify_in_mirror",
]
