"""Bills and suppliers created or changed here, and the intent to write them to the books.

Each service stores the local row and its `LedgerWrite` (a push, with the idempotency key) in
one transaction, and the push starts after commit (`services/writes.py`, `billpay.pushes`).
The form's one-time submission key, made the company's own (`core.parsing.scoped_key`, in the
form), *is* the push's idempotency key, so a second POST of the same form finds the first write
and creates nothing, and two companies never share a key.

Modules: `inputs` (what a form hands over, the totals), `common` (errors and shared lookups),
`bills`, `suppliers`, `attachments`, `credit_notes` (the services), `bodies` (Codat's push
bodies).
"""

from billpay.bills.services.create.attachments import bill_attachment_stash
from billpay.bills.services.create.bills import bill_create, bill_delete, bill_resend, bill_update
from billpay.bills.services.create.bodies import bill_body, supplier_body
from billpay.bills.services.create.common import NotEditable, PossibleDuplicate, WriteInFlight
from billpay.bills.services.create.credit_notes import (
    CreditNoteInput,
    PossibleDuplicateCreditNote,
    credit_note_body,
    credit_note_create,
    credit_note_duplicates_find,
)
from billpay.bills.services.create.deletes import (
    BillDeletePlan,
    bill_delete_in_books,
    bill_delete_plan,
)
from billpay.bills.services.create.inputs import (
    BillInput,
    BillTotals,
    LineInput,
    LineTotals,
    SupplierInput,
    bill_totals,
    new_submission_key,
)
from billpay.bills.services.create.suppliers import supplier_create, supplier_update

__all__ = [
    "BillDeletePlan",
    "CreditNoteInput",
    "PossibleDuplicateCreditNote",
    "credit_note_body",
    "credit_note_create",
    "credit_note_duplicates_find",
    "BillInput",
    "BillTotals",
    "LineInput",
    "LineTotals",
    "NotEditable",
    "PossibleDuplicate",
    "SupplierInput",
    "WriteInFlight",
    "bill_attachment_stash",
    "bill_body",
    "bill_create",
    "bill_delete",
    "bill_delete_in_books",
    "bill_delete_plan",
    "bill_resend",
    "bill_totals",
    "bill_update",
    "new_submission_key",
    "supplier_body",
    "supplier_create",
    "supplier_update",
]
