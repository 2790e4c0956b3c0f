"""Celery tasks of recurring bills: the daily run (fanned out per company) and payments."""

import logging

from celery import shared_task

from billpay.core.tasks import codat_retry
from billpay.onboarding.models import Company
from billpay.recurring.services import (
    recurring_due_company_ids,
    recurring_payments_prepare,
    recurring_run,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True)
def recurring_run_all_task(self) -> int:
    """Beat, daily: one run per company with an active recurring bill."""
    ids = recurring_due_company_ids()
    for company_id in ids:
        recurring_run_task.delay(company_id=company_id)
    return len(ids)


@shared_task(**codat_retry())
def recurring_run_task(self, *, company_id: int) -> None:
    """Make the company's recurring bills that are due, then prepare their payments."""
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return
    made = recurring_run(company=company)
    logger.info("recurring bills of company %s: %s made", company_id, made)


@shared_task(**codat_retry())
def recurring_payments_task(self, *, company_id: int) -> None:
    """Prepare the payments of recurring bills that have reached the books."""
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return
    moved = recurring_payments_prepare(company=company)
    logger.info("recurring payments of company %s: %s prepared", company_id, moved)
