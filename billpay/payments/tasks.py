"""Celery tasks for the write-back: load by id, call one service, retry only transient errors."""

import logging

from celery import shared_task

from billpay.core.tasks import codat_retry

logger = logging.getLogger(__name__)
RETRY = codat_retry()


def _payment_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    """on_failure: the task gave up; the service decides between FAILED and a lookup."""
    from billpay.payments.services import payment_task_failed

    payment_task_failed(
        payment_id=kwargs["payment_id"],
        reason="We could not reach your accounting software. Try again later.",
    )


@shared_task(**RETRY, on_failure=_payment_failed)
def payment_write_back_task(self, *, payment_id: int) -> None:
    """Push one queued payment to the books (or look it up after an interrupted try)."""
    from billpay.payments.services import payment_write_back

    payment = payment_write_back(payment_id=payment_id)
    logger.info("payment %s write-back: %s", payment_id, payment and payment.status)


@shared_task(**RETRY, on_failure=_payment_failed)
def payment_follow_task(self, *, payment_id: int) -> None:
    """Poll the push operation of one submitted payment."""
    from billpay.payments.services import payment_follow

    payment = payment_follow(payment_id=payment_id)
    logger.info("payment %s follow: %s", payment_id, payment and payment.status)


@shared_task(**RETRY, on_failure=_payment_failed)
def payment_lookup_task(self, *, payment_id: int) -> None:
    """Look one payment up in the books after an unknown outcome."""
    from billpay.payments.services import payment_lookup

    payment = payment_lookup(payment_id=payment_id)
    logger.info("payment %s lookup: %s", payment_id, payment and payment.status)


@shared_task(**RETRY, on_failure=_payment_failed)
def payment_verify_task(self, *, payment_id: int) -> None:
    """Check that the books show one recorded payment."""
    from billpay.payments.services import payment_verify

    payment = payment_verify(payment_id=payment_id)
    logger.info("payment %s verify: %s", payment_id, payment and payment.status)


@shared_task(**{**RETRY, "max_retries": 5})
def payments_submit_due_task(self, *, company_id: int) -> None:
    """Submit one company's scheduled payments that are due."""
    from billpay.onboarding.models import Company
    from billpay.payments.services import payments_submit_due

    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        logger.info(
            "company %s: %s scheduled payments queued",
            company_id,
            payments_submit_due(company=company),
        )


@shared_task(**{**RETRY, "max_retries": 5})
def payments_sweep_task(self, *, company_id: int) -> None:
    """Follow up one company's write-backs that have had no news."""
    from billpay.onboarding.models import Company
    from billpay.payments.services import payments_sweep

    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        logger.info(
            "company %s: %s payments followed up", company_id, payments_sweep(company=company)
        )


@shared_task(bind=True)
def payments_submit_due_all_task(self) -> int:
    """Beat: one submit-due task per company with scheduled payments due."""
    from billpay.payments.services import payments_submit_due_all

    return payments_submit_due_all()


@shared_task(bind=True)
def payments_sweep_all_task(self) -> int:
    """Beat: one sweep task per company with write-backs in progress."""
    from billpay.payments.services import payments_sweep_all

    return payments_sweep_all()
