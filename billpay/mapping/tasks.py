"""Celery tasks for creating bank accounts in the books: thin wrappers around services."""

import logging

from celery import shared_task

from billpay.core.tasks import codat_retry

logger = logging.getLogger(__name__)
RETRY = codat_retry()


def _request_failed(self, exc, task_id, args, kwargs, einfo) -> None:
    from billpay.mapping.services import bank_account_request_fail

    bank_account_request_fail(
        request_id=kwargs["request_id"],
        reason="We could not reach your accounting software. Try again later.",
    )


@shared_task(**RETRY, on_failure=_request_failed)
def bank_account_push_task(self, *, request_id: int) -> None:
    """Push one requested bank account to the books."""
    from billpay.mapping.services import bank_account_push

    request = bank_account_push(request_id=request_id)
    logger.info("bank account request %s: %s", request_id, request and request.status)


@shared_task(**RETRY, on_failure=_request_failed)
def bank_account_follow_task(self, *, request_id: int) -> None:
    """Poll the push of a requested bank account (the webhook's fallback)."""
    from billpay.mapping.services import bank_account_follow

    request = bank_account_follow(request_id=request_id)
    logger.info("bank account request %s: %s", request_id, request and request.status)
