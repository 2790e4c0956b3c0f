"""What a draft fills in: the create form's header and lines, and what the user should check.

(Interface for the drafts queue; the mapping to the books' accounts and tax rates grows here.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from billpay.bills.models import Bill, CreditNote
from billpay.bills.services.create.inputs import SupplierInput
from billpay.core.words import Phrase
from billpay.inbound.models import Draft


@dataclass(frozen=True)
class Prefill:
    # The initial data of BillForm (supplier pk, new_supplier_name, new_supplier_email,
    # reference, issue_date, due_date, currency, note) or of CreditNoteForm (number, ...).
    header: dict
    # LineForm initials: description, quantity and unit_amount as plain strings ("2", "1500.5"),
    # account and tax_rate as pks of the company's expense accounts and tax rates (or None).
    lines: list[dict]
    # The whole new supplier from the invoice (VAT number, address...) when none matched: the
    # confirm view creates it with these details rather than only the form's name and email.
    new_supplier: SupplierInput | None = None
    # What the user should look at before confirming ("No tax rate in your books is 5.5 %").
    notices: list[Phrase] = field(default_factory=list)


@dataclass(frozen=True)
class Duplicates:
    """What a draft may duplicate: same supplier (or VAT number), number and amount."""

    bills: list[Bill] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.bills or self.credit_notes or self.drafts)


def draft_prefill(*, draft: Draft) -> Prefill:
    """The create form's initial data for this draft (a file-only draft: nearly empty)."""
    data = draft.data or {}
    header = {
        "supplier": draft.supplier_id,
        "reference": draft.reference,
        "issue_date": draft.issue_date,
        "due_date": draft.due_date,
        "currency": draft.currency or draft.company.base_currency,
    }
    lines = [
        {
            "description": line.get("description", ""),
            "quantity": line.get("quantity", ""),
            "unit_amount": line.get("unit_price", ""),
            "account": None,
            "tax_rate": None,
        }
        for line in data.get("lines", [])
    ]
    return Prefill(header=header, lines=lines)


def draft_duplicates(*, draft: Draft) -> Duplicates:
    """Bills, credit notes and other open drafts this draft may repeat."""
    return Duplicates()
