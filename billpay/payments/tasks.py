"""Celery tasks of payments: verify recorded payments, submit scheduled ones that are due.

Sending a payment is its push's (`billpay.pushes.tasks`). Tasks import services, never the
other way round: a service says when to come back and the task schedules that.
"""

import logging

from celery import shared_task
from django.conf import settings

from billpay.core.tasks import codat_retry
from billpay.onboarding.models import Company
from billpay.payments.models import Payment
from billpay.payments.services import (
    payment_request_bills_refresh,
    payment_verify,
    payments_due_company_ids,
    payments_pending_quiet,
    payments_submit_due,
)

logger = logging.getLogger(__name__)


@shared_task(**codat_retry())
def payment_verify_task(self, *, payment_id: int) -> None:
    """Check that the books show one recorded payment; come back later if not yet."""
    delay = payment_verify(payment_id=payment_id)
    if delay is not None:
        payment_verify_task.apply_async(kwargs={"payment_id": payment_id}, countdown=delay)
    logger.info("payment %s verify: %s", payment_id, "later" if delay else "done")


def payment_verify_start(payment: Payment) -> None:
    """A payment was just recorded: ask Codat to re-read the bills, then verify after commit."""
    payment_request_bills_refresh(payment)
    delays = settings.PUSH_POLL_DELAYS
    payment_verify_task.apply_async(
        kwargs={"payment_id": payment.pk}, countdown=delays[0] if delays else 2
    )


@shared_task(**codat_retry(max_retries=5))
def payments_submit_due_task(self, *, company_id: int) -> None:
    """Submit one company's scheduled payments that are due."""
    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        queued = payments_submit_due(company=company)
        logger.info("company %s: %s scheduled payments sent", company_id, queued)


@shared_task(bind=True)
def payments_submit_due_all_task(self) -> int:
    """Beat: one submit-due task per company with scheduled payments due."""
    company_ids = payments_due_company_ids()
    for company_id in company_ids:
        payments_submit_due_task.delay(company_id=company_id)
    return len(company_ids)


@shared_task(bind=True)
def payments_verify_sweep_task(self) -> int:
    """Beat: check again the recorded payments whose verification went quiet."""
    ids = payments_pending_quiet()
    for payment_id in ids:
        payment_verify_task.delay(payment_id=payment_id)
    return len(ids)
