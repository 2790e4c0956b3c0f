"""Reads for creating bills and suppliers: choices from the synced books, duplicates, write state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from billpay.bills.models import Bill, BillAttachment, LedgerWrite, Supplier, TaxRate
from billpay.core.parsing import ParseError, parse_uuid
from billpay.mapping.models import LedgerAccount

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

SUPPLIER_SEARCH_LIMIT = 20


def supplier_search(*, company: Company, q: str = "") -> QuerySet[Supplier]:
    """Active suppliers of the company whose name contains `q`, by name (at most 20)."""
    qs = Supplier.objects.filter(company=company, is_deleted=False).exclude(status="Archived")
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return qs.order_by("name", "id")[:SUPPLIER_SEARCH_LIMIT]


def supplier_choices(*, company: Company) -> QuerySet[Supplier]:
    """Suppliers a new bill can be for (not archived, not deleted)."""
    return (
        Supplier.objects.filter(company=company, is_deleted=False)
        .exclude(status="Archived")
        .order_by("name", "id")
    )


def supplier_get(*, company: Company, supplier_id: int) -> Supplier:
    """One supplier of the company; another company's is a 404."""
    return get_object_or_404(Supplier, company=company, pk=supplier_id, is_deleted=False)


def expense_account_choices(*, company: Company) -> QuerySet[LedgerAccount]:
    """Accounts a bill line can be booked to: the chart of accounts minus bank accounts."""
    return (
        LedgerAccount.objects.filter(company=company, is_deleted=False, is_bank_account=False)
        .exclude(status="Archived")
        .order_by("nominal_code", "name", "id")
    )


def tax_rate_choices(*, company: Company) -> QuerySet[TaxRate]:
    """Tax rates from the books that a bill line can use."""
    return (
        TaxRate.objects.filter(company=company, is_deleted=False)
        .exclude(status="Archived")
        .order_by("name", "id")
    )


def bill_duplicates_find(
    *,
    company: Company,
    supplier: Supplier | None,
    reference: str,
    total_amount: Decimal,
    issue_date: date | None,
    exclude_id: int | None = None,
) -> list[Bill]:
    """Bills (from the books or made here) of the same supplier with the same reference, or the
    same amount and issue date. Voided and deleted bills don't count."""
    if supplier is None:
        return []
    same = Q(total_amount=total_amount, issue_date=issue_date) if issue_date else Q(pk__in=[])
    if reference.strip():
        same |= Q(reference__iexact=reference.strip())
    qs = (
        Bill.objects.filter(company=company, is_deleted=False)
        .filter(Q(supplier=supplier) | Q(codat_supplier_id=supplier.codat_supplier_id))
        .exclude(codat_status="Void")
        .filter(same)
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("-issue_date", "-id")[:5])


def bill_get_app_created(*, company: Company, bill_id: int) -> Bill:
    """One bill of the company (with lines and supplier) for the edit form; 404 otherwise."""
    return get_object_or_404(
        Bill.objects.select_related("supplier").prefetch_related("lines"),
        company=company,
        pk=bill_id,
        is_deleted=False,
    )


def bill_was_deleted(*, company: Company, bill_id: int) -> bool:
    """Whether this bill of the company was deleted (here or from the books)."""
    return Bill.objects.filter(company=company, pk=bill_id, is_deleted=True).exists()


def bill_writes(*, company: Company, bill: Bill) -> list[LedgerWrite]:
    """The bill's writes to the books, newest first (for its push state and history)."""
    return list(
        LedgerWrite.objects.filter(company=company, bill=bill).select_related("push", "attachment")[
            :20
        ]
    )


def supplier_terms_days(supplier: Supplier) -> int | None:
    """The supplier's usual payment terms: days from issue to due on their latest bill."""
    latest = (
        Bill.objects.filter(company_id=supplier.company_id, supplier=supplier, is_deleted=False)
        .exclude(issue_date=None)
        .exclude(due_date=None)
        .order_by("-issue_date", "-id")
        .values_list("issue_date", "due_date")
        .first()
    )
    if latest is None:
        return None
    days = (latest[1] - latest[0]).days
    return days if 0 <= days <= 365 else None


def attachment_pending_get(
    *, company: Company, user: User, attachment_id: str | None
) -> BillAttachment | None:
    """A file this user uploaded with a form that is still being corrected (no bill yet)."""
    try:  # the id comes from a hidden form field: anything but a UUID is simply not found
        attachment_id = parse_uuid(attachment_id) if attachment_id else None
    except ParseError:
        return None
    if attachment_id is None:
        return None
    return BillAttachment.objects.filter(
        company=company, uploaded_by=user, bill__isnull=True, pk=attachment_id
    ).first()
