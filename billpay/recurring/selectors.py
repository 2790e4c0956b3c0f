"""Reads of recurring bills, always scoped to a company."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from billpay.recurring.models import RecurringBill, RecurringOccurrence

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

OCCURRENCES_SHOWN = 24


def recurring_list(*, company: Company) -> QuerySet[RecurringBill]:
    """The company's templates, active first, by supplier."""
    return RecurringBill.objects.filter(company=company).order_by("status", "supplier_name", "pk")


def recurring_get(*, company: Company, template_id: int) -> RecurringBill:
    """One template of the company with its lines; another company's is a 404."""
    return get_object_or_404(
        RecurringBill.objects.filter(company=company).prefetch_related(
            "lines__account", "lines__tax_rate"
        ),
        pk=template_id,
    )


def occurrence_list(*, company: Company, template: RecurringBill) -> list[RecurringOccurrence]:
    """The template's latest dates made (or refused), newest first, with their bill and payment."""
    return list(
        RecurringOccurrence.objects.filter(company=company, template=template)
        .select_related("bill", "payment")
        .order_by("-date", "-pk")[:OCCURRENCES_SHOWN]
    )
