"""Codat's own background work, for the sandbox on a schedule (optional: reads also advance it)."""

from celery import shared_task
from django.db.models import Q

from billpay.sandbox import lazy
from billpay.sandbox.models import SandboxCompany, SandboxDataset, SandboxPushOperation


@shared_task(bind=True, ignore_result=True)
def sandbox_tick_task(self) -> int:
    """Finish due pushes and datasets and send their webhooks, as Codat does without being asked."""
    busy = SandboxCompany.objects.filter(
        Q(pk__in=SandboxPushOperation.objects.filter(status="Pending").values("company_id"))
        | Q(pk__in=SandboxDataset.objects.filter(completed__isnull=True).values("company_id"))
    )
    count = 0
    for company in busy:
        lazy.advance(company)  # each push in a transaction of its own, its webhook sent at once
        count += 1
    return count
