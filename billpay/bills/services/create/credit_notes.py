"""Supplier credit notes created here and written to the books (issue 16).

Like a new bill: the note is stored as "sending" with a placeholder id, its `LedgerWrite` (a
push keyed by the form's one-time key) in the same transaction, and the push starts after
commit; the books' id replaces the placeholder on success. Its lines stay in `raw` in Codat's
shape (the mirror keeps a note's lines there too).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext

from billpay.bills.models import LOCAL_ID_PREFIX, CreditNote, Origin, PushState
from billpay.bills.services.create.common import K, user_or_none, write_for_key
from billpay.bills.services.create.inputs import LineInput, bill_totals
from billpay.bills.services.writes import ledger_write_create
from billpay.core.errors import DomainError
from billpay.core.services import audit_record

if TYPE_CHECKING:
    from billpay.bills.models import Supplier
    from billpay.core.services import Actor
    from billpay.onboarding.models import Company


@dataclass(frozen=True)
class CreditNoteInput:
    supplier: Supplier
    number: str
    issue_date: date
    currency: str
    lines: Sequence[LineInput]
    note: str = ""


class PossibleDuplicateCreditNote(DomainError):
    """The note looks like one already in the books or made here; create it only if confirmed."""

    def __init__(self, message: str, duplicates: list[CreditNote]) -> None:
        super().__init__(message)
        self.duplicates = duplicates


def credit_note_duplicates_find(
    *, company: Company, supplier: Supplier, number: str, total_amount: Decimal, issue_date: date
) -> list[CreditNote]:
    """The supplier's notes (from the books or made here) with the same number, or the same
    total and issue date. Voided and deleted notes don't count."""
    same = Q(total_amount=total_amount, issue_date=issue_date)
    if number.strip():
        same |= Q(number__iexact=number.strip())
    return list(
        CreditNote.objects.filter(company=company, is_deleted=False)
        .filter(Q(supplier=supplier) | Q(codat_supplier_id=supplier.codat_supplier_id))
        .exclude(status=CreditNote.Status.VOID)
        .filter(same)
        .order_by("-issue_date", "-id")[:5]
    )


def credit_note_create(
    *,
    company: Company,
    actor: Actor,
    data: CreditNoteInput,
    submission_key: uuid.UUID,
    allow_duplicate: bool = False,
) -> CreditNote:
    """Store a new credit note as "sending" and queue its push to the books.

    **Idempotent:** on `submission_key`: a second submission of the same form returns the first
    note. **Raises:** PossibleDuplicateCreditNote (unless `allow_duplicate`); DomainError when
    the supplier is not in the books yet. **Transaction:** one, with the enqueue after commit.
    """
    existing = write_for_key(company, submission_key)
    if existing is not None and existing.credit_note is not None:
        return existing.credit_note
    if data.supplier.company_id != company.pk:
        raise DomainError(gettext("Choose one of your suppliers."))
    if not data.supplier.is_in_books:
        raise DomainError(gettext("This supplier is not in your books yet. Try again once it is."))
    totals = bill_totals(lines=data.lines, currency=data.currency)
    if not allow_duplicate:
        duplicates = credit_note_duplicates_find(
            company=company,
            supplier=data.supplier,
            number=data.number,
            total_amount=totals.total_amount,
            issue_date=data.issue_date,
        )
        if duplicates:
            raise PossibleDuplicateCreditNote(
                gettext(
                    "This looks like a credit note you already have. Check below, then create "
                    "it anyway if it really is a different one."
                ),
                duplicates,
            )
    lines = [
        {
            "description": line.description,
            "unitAmount": line.unit_amount,
            "quantity": line.quantity,
            "subTotal": t.sub_total,
            "taxAmount": t.tax_amount,
            "totalAmount": t.total_amount,
            "accountRef": {"id": line.account.codat_account_id if line.account else ""},
            **({"taxRateRef": {"id": line.tax_rate.codat_tax_rate_id}} if line.tax_rate else {}),
        }
        for line, t in zip(data.lines, totals.lines, strict=True)
    ]
    try:
        with transaction.atomic():
            note = CreditNote.objects.create(
                company=company,
                codat_id=f"{LOCAL_ID_PREFIX}{submission_key}",
                supplier=data.supplier,
                codat_supplier_id=data.supplier.codat_supplier_id,
                supplier_name=data.supplier.name,
                number=data.number,
                issue_date=data.issue_date,
                currency=data.currency,
                sub_total=totals.sub_total,
                tax_amount=totals.tax_amount,
                total_amount=totals.total_amount,
                remaining_credit=totals.total_amount,
                status=CreditNote.Status.SUBMITTED,
                note=data.note,
                raw={"lineItems": lines},
                origin=Origin.APP,
                push_state=PushState.SENDING,
                created_by=user_or_none(actor),
            )
            ledger_write_create(
                company=company,
                kind=K.CREDIT_NOTE_CREATE,
                credit_note=note,
                key=submission_key,
                created_by=user_or_none(actor),
            )
            audit_record(
                company=company,
                actor=actor,
                action="credit_note.created",
                target=str(note),
                ref=f"supplier:{data.supplier.pk}",
                data={"total": str(totals.total_amount), "currency": data.currency},
            )
    except IntegrityError:
        existing = write_for_key(company, submission_key)
        if existing is None or existing.credit_note is None:
            raise
        return existing.credit_note
    return note


def credit_note_body(*, note: CreditNote) -> dict:
    """The note as Codat's push body (Decimal amounts; the issue date as midnight)."""
    lines = []
    for item in (note.raw or {}).get("lineItems") or []:
        line = dict(item)
        for key in ("unitAmount", "quantity", "subTotal", "taxAmount", "totalAmount"):
            if line.get(key) is not None:
                line[key] = Decimal(str(line[key]))  # the JSON column keeps them as strings
        lines.append(line)
    body = {
        "billCreditNoteNumber": note.number or None,
        "supplierRef": {
            "id": note.supplier.codat_supplier_id if note.supplier else note.codat_supplier_id
        },
        "issueDate": f"{note.issue_date:%Y-%m-%d}T00:00:00",
        "currency": note.currency,
        "status": CreditNote.Status.SUBMITTED.value,
        "lineItems": lines,
        "subTotal": note.sub_total,
        "totalTaxAmount": note.tax_amount,
        "totalDiscount": Decimal("0"),
        "discountPercentage": Decimal("0"),
        "totalAmount": note.total_amount,
        "note": note.note or None,
    }
    return {k: v for k, v in body.items() if v is not None}
