"""Reads of the supplier credit notes mirrored from the books, scoped to one company."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from billpay.bills.models import LOCAL_ID_PREFIX, CreditNote

if TYPE_CHECKING:
    from billpay.onboarding.models import Company


def credit_notes_available(
    company: Company,
    *,
    supplier_id: int | None = None,
    codat_supplier_id: str | None = None,
    currency: str | None = None,
) -> QuerySet[CreditNote]:
    """The supplier's credit notes in the books with credit still to use, oldest first.

    The supplier is given by our id (`supplier_id`) or the books' (`codat_supplier_id`); a note
    matches either its supplier link or its supplier's Codat id. Deleted, voided and draft notes,
    and notes created here that the books have not confirmed, never count. `currency` (ISO code)
    keeps only the notes in that currency; None keeps every currency.
    """
    if supplier_id is None and not codat_supplier_id:
        raise ValueError("credit_notes_available needs supplier_id or codat_supplier_id")
    who = Q()
    if supplier_id is not None:
        who |= Q(supplier_id=supplier_id)
        if not codat_supplier_id:
            from billpay.bills.models import Supplier

            codat_supplier_id = (
                Supplier.objects.filter(company=company, pk=supplier_id)
                .values_list("codat_supplier_id", flat=True)
                .first()
            )
    if codat_supplier_id:
        who |= Q(codat_supplier_id=codat_supplier_id)
    qs = (
        CreditNote.objects.filter(company=company, is_deleted=False, remaining_credit__gt=0)
        .filter(who)
        .exclude(status__in=[CreditNote.Status.VOID, CreditNote.Status.DRAFT])
        .exclude(codat_id__startswith=LOCAL_ID_PREFIX)
    )
    if currency is not None:
        qs = qs.filter(currency=currency.upper())
    return qs.order_by("issue_date", "id")


def credit_notes_sending(company: Company, *, supplier_id: int) -> QuerySet[CreditNote]:
    """The supplier's notes created here whose write to the books is under way or failed."""
    return CreditNote.objects.filter(
        company=company,
        supplier_id=supplier_id,
        is_deleted=False,
        push_state__in=[CreditNote.PushState.SENDING, CreditNote.PushState.FAILED],
    ).order_by("-id")
