"""Reading drafts, always within one company."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from billpay.inbound.models import Draft

if TYPE_CHECKING:
    from billpay.onboarding.models import Company


def drafts_open(*, company: Company) -> QuerySet[Draft]:
    """Drafts waiting to be checked, newest first, with what the list shows in one query."""
    return (
        Draft.objects.filter(company=company, status=Draft.Status.OPEN)
        .select_related("supplier", "created_by")
        .order_by("-created_at", "-id")
    )


def drafts_refused(*, company: Company, limit: int = 50) -> list[Draft]:
    """Files that could not be read, newest first (the latest `limit`)."""
    return list(
        Draft.objects.filter(company=company, status=Draft.Status.REFUSED)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def draft_get(*, company: Company, draft_id: int, status: str | None = None) -> Draft:
    """One of the company's drafts (in `status` when given); anything else is a 404."""
    drafts = Draft.objects.filter(company=company).select_related(
        "company", "supplier", "attachment", "created_by", "bill", "credit_note"
    )
    if status is not None:
        drafts = drafts.filter(status=status)
    try:
        return drafts.get(pk=draft_id)
    except Draft.DoesNotExist:
        raise Http404("No such draft.") from None


def drafts_flagged_duplicate(*, drafts: list[Draft]) -> set[int]:
    """Which of these drafts repeat another of the company's drafts or bills (same supplier or
    name, number and total): one query for the whole page."""
    from billpay.bills.models import Bill

    if not drafts:
        return set()
    company_id = drafts[0].company_id
    if not _variants(drafts):
        return set()
    others = list(
        Draft.objects.filter(
            company_id=company_id,
            status__in=[Draft.Status.OPEN, Draft.Status.CREATED],
            reference__in=_variants(drafts),
        ).values_list("pk", "supplier_id", "supplier_name", "reference", "total_amount")
    )
    bills = list(
        Bill.objects.filter(
            company_id=company_id, is_deleted=False, reference__in=_variants(drafts)
        ).values_list("supplier_id", "supplier_name", "reference", "total_amount")
    )
    flagged = set()
    for d in drafts:
        if not d.reference:
            continue
        for pk, supplier_id, name, ref, total in others:
            if pk != d.pk and _same(d, supplier_id, name, ref, total):
                flagged.add(d.pk)
        for supplier_id, name, ref, total in bills:
            if _same(d, supplier_id, name, ref, total):
                flagged.add(d.pk)
    return flagged


def _variants(drafts: list[Draft]) -> list[str]:
    return sorted({d.reference for d in drafts if d.reference})


def _same(draft: Draft, supplier_id, name: str, reference: str, total) -> bool:
    if reference.strip().casefold() != draft.reference.strip().casefold():
        return False
    same_supplier = (draft.supplier_id and supplier_id == draft.supplier_id) or (
        name and name.strip().casefold() == draft.supplier_name.strip().casefold()
    )
    return bool(same_supplier) and (
        total is None or draft.total_amount is None or total == draft.total_amount
    )


def credit_notes_unsupported(*, company: Company) -> bool:
    """Whether the company's last finished sync found that its platform has no supplier credit
    notes (the sync records it per data type)."""
    from billpay.bills.models import SyncRun

    counts = (
        SyncRun.objects.filter(
            company=company, finished_at__isnull=False, counts__has_key="billCreditNotes"
        )
        .order_by("-finished_at", "-id")
        .values_list("counts", flat=True)
        .first()
    )
    return bool(counts and (counts.get("billCreditNotes") or {}).get("not_supported"))
