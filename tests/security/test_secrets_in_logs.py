"""The Codat API key and the webhook secret never reach a log record, at any level.

One run through every path that touches them, over real HTTP against the sandbox: a sync, a
payment written back (whose webhook the sandbox delivers to our receiver), a forged webhook, and
a Codat call refused with 401 because the key is wrong. Every record of every logger is kept
(DEBUG, propagating to the capture), and its message, arguments, exception and extras searched.
"""

import base64
import logging
import traceback

import pytest
from django.test import Client
from django.urls import reverse

from billpay.bills.models import SyncRun
from billpay.bills.services import bills_sync, sync_run_queue
from billpay.mapping.models import AccountMapping, LedgerAccount
from billpay.onboarding.models import WebhookEvent
from billpay.payments.models import Payment
from tests.payments.conftest import open_bills, pay

pytestmark = pytest.mark.django_db(transaction=True)

API_KEY = "codat-key-S3CR3T-7f1e9a2b4c6d8e0f"
WRONG_KEY = "codat-key-WR0NG-0a9b8c7d6e5f4a3b"
WEBHOOK_KEY = b"webhook-key-S3CR3T-5e4d3c2b1a09"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(WEBHOOK_KEY).decode()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SECRETS = {
    "API key": API_KEY,
    "API key, base64": _b64(API_KEY),
    "Authorization header": "Basic " + _b64(API_KEY),
    "wrong API key": WRONG_KEY,
    "wrong API key, base64": _b64(WRONG_KEY),
    "webhook secret": WEBHOOK_SECRET,
    "webhook secret, key part": WEBHOOK_SECRET.removeprefix("whsec_"),
    "webhook key, raw": WEBHOOK_KEY.decode(),
}


@pytest.fixture
def every_log(caplog):
    """Every logger at DEBUG and propagating to caplog's handler on the root logger."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(lg, lg.level, lg.propagate, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.propagate, lg.disabled = True, False
    caplog.set_level(logging.DEBUG)
    yield caplog
    for lg, level, propagate, disabled in saved:
        lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled


def _record_text(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string still has its msg and args searched below
        message = ""
    parts = [message, str(record.msg), repr(record.args), repr(vars(record))]
    if record.exc_info:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    parts += [record.exc_text or "", record.stack_info or ""]
    return "\n".join(parts)


@pytest.fixture
def distinct_secrets(sandbox, settings):
    settings.CODAT_API_KEY = API_KEY
    settings.SANDBOX_API_KEYS = [API_KEY]
    settings.CODAT_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SANDBOX_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SANDBOX_WEBHOOK_URL = f"{sandbox.url}{reverse('onboarding:codat-webhook')}"
    settings.SANDBOX_WEBHOOK_IN_THREAD = False
    settings.PUSH_WEBHOOK_GRACE_SECONDS = 0
    return settings


def _sync(company) -> SyncRun:
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.MANUAL)
    bills_sync(run_id=run.pk)
    run.refresh_from_db()
    return run


def test_no_secret_reaches_any_log_record(distinct_secrets, linked_company, enqueued, every_log):
    # A sync over real HTTP.
    assert _sync(linked_company).status == SyncRun.Status.SUCCEEDED
    # A payment written back; the sandbox delivers its webhook, signed, to our receiver.
    account = LedgerAccount.objects.filter(
        company=linked_company, is_bank_account=True, currency="USD", status="Active"
    ).first()
    AccountMapping.objects.create(
        company=linked_company, method="bank_transfer", currency="USD", account=account
    )
    payment = pay(linked_company, open_bills(linked_company))
    assert payment.status == Payment.Status.VERIFIED, payment.status_reason
    assert WebhookEvent.objects.filter(event_type__startswith="billPayments.write").exists()
    # A forged webhook.
    forged = Client().post(
        reverse("onboarding:codat-webhook"),
        b'{"eventType": "read.completed"}',
        content_type="application/json",
        headers={"webhook-id": "msg_x", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
    )
    assert forged.status_code == 401
    # Codat refuses the key: 401.
    distinct_secrets.CODAT_API_KEY = WRONG_KEY
    assert _sync(linked_company).status == SyncRun.Status.FAILED

    records = every_log.records
    texts = [(r.name, _record_text(r)) for r in records]
    leaks = [
        (label, name) for name, text in texts for label, secret in SECRETS.items() if secret in text
    ]
    assert not leaks, leaks
    # The capture saw the traffic, so an empty leak list means something.
    names = {r.name for r in records}
    assert {"billpay.codat", "billpay.onboarding.views", "django.request"} <= names, names
    assert any(r.levelno == logging.DEBUG for r in records)
    assert any("401" in text for _, text in texts)
