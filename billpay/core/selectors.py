"""Reads of the audit trail, always scoped to one company."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from billpay.core.models import AuditEvent
from billpay.core.words import AUDIT_AREAS

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

AUDIT_PAGE_SIZE = 50
AUTOMATIC = "auto"  # the person filter's value for what BillPay did by itself (no actor)


@dataclass(frozen=True)
class AuditFilter:
    person: str = ""  # a user id, AUTOMATIC, or "" for anyone
    area: str = ""  # a key of words.AUDIT_AREAS, "books" (writes to the books), or ""
    q: str = ""  # words of the object: a supplier, an email, a reference…


def audit_list(*, company: Company, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """The company's audit trail, newest first, filtered by person, area and object."""
    qs = AuditEvent.objects.filter(company=company).select_related("actor")
    if filters.person == AUTOMATIC:
        qs = qs.filter(actor__isnull=True)
    elif filters.person:
        qs = qs.filter(actor_id=filters.person)
    if filters.area == "books":
        qs = qs.filter(action__contains=".write.")
    elif filters.area in AUDIT_AREAS:
        prefixes = AUDIT_AREAS[filters.area][1]
        area = Q()
        for prefix in prefixes:
            area |= Q(action__startswith=prefix)
        qs = qs.filter(area)
    if filters.q:
        qs = qs.filter(Q(target__icontains=filters.q) | Q(ref=filters.q))
    return qs.order_by("-id")


def audit_page(
    *, company: Company, filters: AuditFilter, before: int | None = None
) -> tuple[list[AuditEvent], int | None]:
    """One page of `audit_list` (keyset on the id) and the cursor of the next one, if any."""
    qs = audit_list(company=company, filters=filters)
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: AUDIT_PAGE_SIZE + 1])
    more = len(rows) > AUDIT_PAGE_SIZE
    rows = rows[:AUDIT_PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)
