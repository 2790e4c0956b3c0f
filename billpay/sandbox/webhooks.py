"""Signed webhook deliveries (Standard Webhooks / Svix), persisted and retried on a schedule."""

# Delivery happens after the triggering transaction commits, in a daemon thread by default: the
# app's receiver is often the very web process serving this API call, and a synchronous POST
# from a single-worker server to itself would wait on its own request. The thread only reads
# committed rows, uses its own DB connection and swallows every error, so it can never break
# the API response. Missed or failed attempts are picked up lazily on the next sandbox request
# or by `manage.py sandbox_deliver_webhooks`. Tests set SANDBOX_WEBHOOK_IN_THREAD=False.

import logging
import secrets
import threading
import uuid
from datetime import timedelta

import requests
from django.db import connection, transaction
from django.db.models import Q
from svix.webhooks import Webhook

from billpay.sandbox import clock, conf
from billpay.sandbox.jsonutil import dumps, iso
from billpay.sandbox.models import SandboxCompany, SandboxWebhookDelivery

logger = logging.getLogger(__name__)

# Seconds to wait before each retry (Codat: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; shortened).
RETRY_DELAYS = (5, 30, 120, 600, 1800)
LEASE = timedelta(seconds=60)


def reference_company(company: SandboxCompany) -> dict:
    """The `referenceCompany` object every webhook carries."""
    return {
        "id": str(company.id),
        "name": company.name,
        "description": company.description,
        "links": {"portal": f"https://app.codat.io/companies/{company.id}/summary"},
        "tags": company.tags or {},
    }


def emit(company: SandboxCompany | None, event_type: str, payload: dict):
    """Record a webhook for delivery after commit; a no-op when SANDBOX_WEBHOOK_URL is unset."""
    url = conf.get("SANDBOX_WEBHOOK_URL")
    if not url:
        return None
    now = clock.now()
    body = dumps(
        {
            "id": str(uuid.uuid4()),
            "eventType": event_type,
            "generatedDate": iso(now),
            "payload": payload,
        }
    )
    delivery = SandboxWebhookDelivery.objects.create(
        msg_id="msg_" + secrets.token_urlsafe(18).replace("-", "a").replace("_", "b"),
        company=company,
        event_type=event_type,
        body=body,
        url=url,
        created=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: deliver_soon([delivery.pk]))
    return delivery


def deliver_soon(ids: list[int]) -> None:
    """Deliver these deliveries now: in a thread, or inline when threads are switched off."""
    if conf.get("SANDBOX_WEBHOOK_IN_THREAD"):
        threading.Thread(target=_deliver_in_thread, args=(ids,), daemon=True).start()
    else:
        _deliver_ids(ids)


def _deliver_in_thread(ids: list[int]) -> None:
    try:
        _deliver_ids(ids)
    except Exception:  # the thread must never raise into nowhere
        logger.exception("sandbox webhook delivery failed")
    finally:
        connection.close()


def _deliver_ids(ids: list[int]) -> None:
    for delivery in SandboxWebhookDelivery.objects.filter(pk__in=ids).order_by("pk"):
        attempt(delivery)


def deliver_due(*, limit: int = 50) -> int:
    """Attempt every pending delivery whose retry time has come; returns how many were tried."""
    due = _due().order_by("next_attempt_at")[:limit]
    count = 0
    for delivery in due:
        count += attempt(delivery)
    return count


def _due():
    return SandboxWebhookDelivery.objects.filter(
        status=SandboxWebhookDelivery.Status.PENDING, next_attempt_at__lte=clock.now()
    )


def has_due() -> bool:
    """Whether any delivery is waiting for a retry (cheap check for the lazy path)."""
    return _due().exists()


def due_ids(limit: int = 50) -> list[int]:
    """Ids of deliveries whose retry time has come."""
    return list(_due().order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def attempt(delivery: SandboxWebhookDelivery) -> int:
    """Claim one delivery and POST it once; returns 1 if this call made the attempt."""
    now = clock.now()
    claimed = SandboxWebhookDelivery.objects.filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True),
        pk=delivery.pk,
        status=SandboxWebhookDelivery.Status.PENDING,
        attempts=delivery.attempts,
    ).update(next_attempt_at=now + LEASE, attempts=delivery.attempts + 1)
    if not claimed:
        return 0
    delivery.refresh_from_db()
    status_code, error = _post(delivery)
    delivery.last_status_code = status_code
    delivery.last_error = error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = SandboxWebhookDelivery.Status.DELIVERED
        delivery.delivered_at = clock.now()
        delivery.next_attempt_at = None
    elif delivery.attempts > len(RETRY_DELAYS):
        delivery.status = SandboxWebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        delay = RETRY_DELAYS[delivery.attempts - 1]
        delivery.next_attempt_at = clock.now() + timedelta(seconds=delay)
    delivery.save()
    return 1


def signed_headers(delivery: SandboxWebhookDelivery) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (the id stays the same across retries)."""
    moment = clock.now()
    secret = conf.get("SANDBOX_WEBHOOK_SECRET")
    headers = {
        "Content-Type": "application/json",
        "webhook-id": delivery.msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
    }
    if secret:
        headers["webhook-signature"] = Webhook(secret).sign(delivery.msg_id, moment, delivery.body)
    return headers


def _post(delivery: SandboxWebhookDelivery) -> tuple[int | None, str]:
    try:
        response = requests.post(
            delivery.url,
            data=delivery.body.encode(),
            headers=signed_headers(delivery),
            timeout=int(conf.get("SANDBOX_WEBHOOK_TIMEOUT_SECONDS")),
        )
    except Exception as exc:  # any failure is just a failed attempt, to be retried
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, "" if response.ok else response.text[:500]


def replay(delivery: SandboxWebhookDelivery) -> None:
    """Queue a delivery again (admin action): same webhook-id, fresh attempts."""
    SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=SandboxWebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=clock.now()
    )
    transaction.on_commit(lambda: deliver_soon([delivery.pk]))
