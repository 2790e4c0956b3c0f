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
