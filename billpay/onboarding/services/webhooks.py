"""Codat webhooks: verify (Svix / Standard Webhooks), store once per webhook-id, act later.

The receiver answers fast: it verifies the signature on the raw body, stores the event (a
repeated delivery of the same webhook-id is a no-op) and enqueues the processing after commit.
"""

import json
import logging
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from svix.webhooks import Webhook, WebhookVerificationError

from billpay.onboarding.errors import WebhookRejected
from billpay.onboarding.models import Company, WebhookEvent

logger = logging.getLogger(__name__)

# Who follows the outcome of a push, by Codat data type: called with the stored write event.
WRITE_HANDLERS: dict[str, str] = {
    "bills": "billpay.bills.services.writes.ledger_write_webhook",
    "suppliers": "billpay.bills.services.writes.ledger_write_webhook",
    "billPayments": "billpay.payments.services.payment_write_event",
    "bankAccounts": "billpay.mapping.services.bank_account_write_event",
}

# Codat's data type names → the sync's.
SYNCED_TYPES = {
    "suppliers": "suppliers",
    "taxRates": "taxRates",
    "chartOfAccounts": "accounts",
    "bills": "bills",
}


def webhook_verify(*, body: bytes, headers: Mapping[str, str]) -> dict:
    """Check the signature and age (svix: 5 minutes) and decode the body. **Raises:** WebhookRejected."""
    wanted = {
        k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    try:
        Webhook(settings.CODAT_WEBHOOK_SECRET).verify(body, wanted)
        payload = json.loads(body, parse_float=Decimal)
    except (WebhookVerificationError, ValueError) as exc:
        raise WebhookRejected(str(exc)) from exc
    if not isinstance(payload, dict) or not wanted["webhook-id"]:
        raise WebhookRejected("not a Codat event")
    return payload


def webhook_receive(*, webhook_id: str, payload: dict) -> WebhookEvent | None:
    """Store a verified event and enqueue its processing. **Idempotent:** on webhook-id."""
    from billpay.onboarding.tasks import webhook_process_task

    body = payload.get("payload") or {}
    reference = body.get("referenceCompany") or {}
    codat_company_id = reference.get("id") or body.get("companyId") or payload.get("companyId")
    company = (
        Company.objects.filter(codat_company_id=codat_company_id).first()
        if codat_company_id
        else None
    )
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                webhook_id=webhook_id, event_type=str(payload.get("eventType", "")), company=company,
                payload=json.loads(json.dumps(payload, default=str)),
            )  # fmt: skip
            webhook_process_task.delay_on_commit(event_id=event.pk)
    except IntegrityError:
        logger.info("webhook %s delivered again; already stored", webhook_id)
        return None
    return event


def webhook_process(*, event_id: int) -> None:
    """Act on a stored event: connection status, a sync of what changed, or just record it.

    **Idempotent:** a processed event is skipped, and every action below is itself idempotent,
    so a crash between acting and marking only repeats harmless work.
    """
    event = (
        WebhookEvent.objects.select_related("company")
        .filter(pk=event_id, processed_at__isnull=True)
        .first()
    )
    if event is None:
        return
    if event.company is not None:
        _act(event)
    WebhookEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now())


def _act(event: WebhookEvent) -> None:
    from billpay.bills.models import SyncRun
    from billpay.bills.services import sync_request
    from billpay.onboarding.services.connection import connection_status_update

    body = event.payload.get("payload") or {}
    if event.event_type.startswith("connection."):
        status = (body.get("connection") or {}).get("status")
        if status:
            connection_status_update(company=event.company, codat_status=status)
    elif event.event_type in ("read.completed", "read.completed.initial"):
        changed = [
            SYNCED_TYPES[t["dataType"]]
            for t in body.get("dataTypes") or []
            if t.get("dataType") in SYNCED_TYPES and t.get("recordsModified", True)
        ]
        if changed:
            modified_from = parse_datetime(str(body.get("modifiedFromDate") or ""))
            sync_request(
                company=event.company, trigger=SyncRun.Trigger.WEBHOOK, data_types=changed,
                modified_from=modified_from if modified_from and modified_from.tzinfo else None,
            )  # fmt: skip
    elif event.event_type.endswith((".write.successful", ".write.unsuccessful")):
        handler = WRITE_HANDLERS.get(event.event_type.split(".", 1)[0])
        if handler:
            import_string(handler)(event=event)
