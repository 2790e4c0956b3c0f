"""Codat webhooks: verify (Svix / Standard Webhooks), store once per webhook-id, act later.

The receiver answers fast: it verifies the signature on the raw body, stores the event (a
repeated delivery of the same webhook-id is a no-op) and `onboarding.tasks.webhook_accept`
enqueues the processing after commit. Processing applies `connection.*` events here and hands
every other event to the handlers the apps above registered (`onboarding.hooks`).
"""

import json
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from svix.webhooks import Webhook, WebhookVerificationError

from billpay.core.parsing import storable_text
from billpay.onboarding.errors import WebhookRejected
from billpay.onboarding.hooks import webhook_handlers
from billpay.onboarding.models import Company, WebhookEvent
from billpay.onboarding.services.connection import connection_refresh

logger = logging.getLogger(__name__)


def webhook_verify(*, body: bytes, headers: Mapping[str, str]) -> Any:
    """Check the signature and age (svix: 5 minutes), then decode the body.

    Returns the decoded JSON, or `{"body": <text>}` when a validly signed body is not JSON (it is
    stored as an invalid event). **Raises:** WebhookRejected (unsigned, stale, no usable id).
    """
    wanted = {
        k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    try:
        Webhook(settings.CODAT_WEBHOOK_SECRET).verify(body, wanted)
    except (WebhookVerificationError, ValueError) as exc:
        raise WebhookRejected(str(exc)) from exc
    if not _is_id(wanted["webhook-id"]):
        raise WebhookRejected("the webhook-id header is missing or too long")
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError):
        return {"body": body[:10_000].decode("utf-8", errors="replace")}


def webhook_receive(*, webhook_id: str, payload: Any) -> WebhookEvent | None:
    """Store a verified event; returns it, or None for a repeated delivery.

    A validly signed event of the wrong shape is stored too, already marked processed with why
    it is invalid: the receiver answers 2xx (Codat would only re-send the same bytes), staff can
    read it in the admin, and no task ever acts on it. The caller enqueues the processing of an
    unprocessed event (`onboarding.tasks.webhook_accept`).
    **Idempotent:** on webhook-id. **Transaction:** one insert.
    """
    payload = _storable(payload if isinstance(payload, dict) else {"body": payload})
    problem = webhook_problem(payload)
    codat_company_id = None if problem else _company_id(payload)
    company = (
        Company.objects.filter(codat_company_id=codat_company_id).first()
        if codat_company_id
        else None
    )
    event_type = payload.get("eventType")
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                webhook_id=webhook_id,
                event_type=event_type[:100] if isinstance(event_type, str) else "",
                company=company,
                payload=payload,
                error=f"Invalid event: {problem}" if problem else "",
                processed_at=timezone.now() if problem else None,
            )
    except IntegrityError:
        logger.info("webhook %s delivered again; already stored", webhook_id)
        return None
    if problem:
        logger.warning("stored invalid webhook %s: %s", webhook_id, problem)
    return event


def webhook_process(*, event_id: int) -> None:
    """Act on a stored event: connection status, a sync of what changed, or just record it.

    **Idempotent:** a processed event is skipped, and every action below is itself idempotent,
    so a crash between acting and marking only repeats harmless work.
    **Raises:** CodatTransientError (a connection re-read failed; the task retries).
    """
    event = (
        WebhookEvent.objects.select_related("company")
        .filter(pk=event_id, processed_at__isnull=True)
        .first()
    )
    if event is None:
        return
    problem = webhook_problem(event.payload)
    if problem:  # stored before the shape was checked, or by an older version
        WebhookEvent.objects.filter(pk=event.pk).update(
            processed_at=timezone.now(), error=f"Invalid event: {problem}"
        )
        return
    if event.company is not None:
        _act(event)
    WebhookEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now())


def webhook_fail(*, event_id: int, reason: str) -> None:
    """The task gave up on an event: record why, so staff see it. **Idempotent.**"""
    WebhookEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(error=reason[:2000])


def webhook_problem(payload: Any) -> str | None:
    """Why an event cannot be acted on (its shape), or None. Unknown event types are fine."""
    if not isinstance(payload, dict):
        return "not a JSON object"
    event_type = payload.get("eventType")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 100:
        return "eventType is missing or not text"
    body = payload.get("payload")
    if not isinstance(body, dict):
        return "payload is not an object"
    reference = body.get("referenceCompany")
    if reference is not None and not (
        isinstance(reference, dict) and isinstance(reference.get("id"), str | None)
    ):
        return "referenceCompany is malformed"
    if not isinstance(_company_id(payload) or "", str):
        return "the company id is not text"
    if event_type.startswith("connection."):
        connection = body.get("connection")
        if not (isinstance(connection, dict) and _is_id(connection.get("id"))):
            return "connection.id is missing"
    elif event_type in ("read.completed", "read.completed.initial"):
        types = body.get("dataTypes")
        if not isinstance(types, list) or not all(
            isinstance(t, dict) and isinstance(t.get("dataType"), str) for t in types
        ):
            return "dataTypes is not a list of data types"
        if not isinstance(body.get("modifiedFromDate"), str | None):
            return "modifiedFromDate is not text"
    # Codat sends {dataType}.write.successful | .unsuccessful; handlers match .write.*, so every
    # write event gets this check.
    elif ".write." in event_type:
        record = body.get("record")
        if not _is_id(body.get("id")):
            return "the push operation key is missing"
        if not isinstance(body.get("status"), str | None):
            return "status is not text"
        if record is not None and not (
            isinstance(record, dict) and isinstance(record.get("id"), str | None)
        ):
            return "record is malformed"
    return None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 100


def _company_id(payload: dict) -> Any:
    body = payload.get("payload")
    body = body if isinstance(body, dict) else {}
    reference = body.get("referenceCompany")
    reference = reference if isinstance(reference, dict) else {}
    return reference.get("id") or body.get("companyId") or payload.get("companyId")


def _storable(value: Any) -> Any:
    """The event as JSON PostgreSQL can store: Decimals as text, no NUL or lone surrogates."""
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _act(event: WebhookEvent) -> None:
    if event.event_type.startswith("connection."):
        body = event.payload["payload"]
        connection_refresh(company=event.company, codat_connection_id=body["connection"]["id"])
        return
    # read.completed → bills' sync; {dataType}.write.* → whoever pushed that data type.
    for handler in webhook_handlers(event.event_type):
        handler(event=event)
