"""Forged, stale and replayed webhooks: what tests/onboarding/test_webhooks.py does not cover.

Already covered there: a wrong secret, a timestamp an hour old, a tampered body, the same
webhook-id delivered twice (stored once), GET refused, and the CSRF exemption.
"""

import json
import time
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse
from svix.webhooks import Webhook

from billpay.onboarding.models import WebhookEvent
from tests.factories import AccountingConnectionFactory

pytestmark = pytest.mark.django_db

URL = reverse("onboarding:codat-webhook")


@pytest.fixture
def connected(company):
    company.codat_company_id = "9b1d1f2e-0000-4000-8000-00000000beef"
    company.save()
    AccountingConnectionFactory(company=company)
    return company


@pytest.fixture
def enqueue():
    with mock.patch("billpay.onboarding.tasks.webhook_process_task.delay_on_commit") as delay:
        yield delay


def _event(company, data_type="bills") -> str:
    return json.dumps(
        {
            "id": "c0ffee00-0000-4000-8000-000000000001",
            "eventType": "read.completed",
            "generatedDate": "2026-11-25T10:00:23Z",
            "payload": {
                "referenceCompany": {"id": company.codat_company_id},
                "modifiedFromDate": "2026-11-25T00:00:00Z",
                "dataTypes": [{"dataType": data_type, "recordsModified": True}],
            },
        }
    )


def _headers(settings, raw: str, *, msg_id="msg_sec_1", at=None) -> dict:
    at = at or datetime.now(tz=UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(settings.CODAT_WEBHOOK_SECRET).sign(msg_id, at, raw),
    }


def _post(client, raw: str, headers: dict):
    return client.post(URL, raw, content_type="application/json", headers=headers)


def test_a_delivery_from_the_future_is_refused(client, settings, connected, enqueue):
    raw = _event(connected)
    later = datetime.fromtimestamp(time.time() + 600, tz=UTC)

    response = _post(client, raw, _headers(settings, raw, at=later))

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists() and not enqueue.called


def test_a_delivery_just_past_the_five_minute_window_is_refused(client, settings, connected):
    raw = _event(connected)
    captured = _headers(settings, raw, at=datetime.fromtimestamp(time.time() - 6 * 60, tz=UTC))

    response = _post(client, raw, captured)

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_delivery_missing_a_signature_header_is_refused(client, settings, connected, missing):
    raw = _event(connected)
    headers = _headers(settings, raw)
    del headers[missing]

    response = _post(client, raw, headers)

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_an_unsigned_delivery_is_refused(client, connected):
    response = client.post(URL, _event(connected), content_type="application/json")

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "signature",
    ["", "v1,", "v1,not-base64!", "v2,AAAA", "v1a,AAAA", "garbage", "v1," + "A" * 44],
)
def test_a_malformed_signature_is_refused(client, settings, connected, signature):
    raw = _event(connected)
    headers = _headers(settings, raw) | {"webhook-signature": signature}

    response = _post(client, raw, headers)

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_captured_signature_cannot_be_replayed_under_a_new_webhook_id(
    client, settings, connected, enqueue
):
    """The id is signed too, so an attacker can't dodge the replay check by renaming a delivery."""
    raw = _event(connected)
    captured = _headers(settings, raw, msg_id="msg_original")
    assert _post(client, raw, captured).status_code == 204

    replay = _post(client, raw, captured | {"webhook-id": "msg_renamed"})

    assert replay.status_code == 401
    assert list(WebhookEvent.objects.values_list("webhook_id", flat=True)) == ["msg_original"]
    assert enqueue.call_count == 1


def test_a_reused_webhook_id_with_another_body_keeps_the_first_and_acts_once(
    client, settings, connected, enqueue
):
    first, second = _event(connected, "bills"), _event(connected, "suppliers")

    a = _post(client, first, _headers(settings, first, msg_id="msg_reuse"))
    b = _post(client, second, _headers(settings, second, msg_id="msg_reuse"))

    assert (a.status_code, b.status_code) == (204, 204)
    event = WebhookEvent.objects.get()
    assert event.payload["payload"]["dataTypes"][0]["dataType"] == "bills"
    assert enqueue.call_count == 1


@pytest.mark.parametrize("raw", ["not json", "[1, 2, 3]", '"a string"', ""])
def test_a_signed_body_that_is_not_an_event_is_kept_as_invalid_and_never_acted_on(
    client, settings, connected, raw
):
    """Issue 10: signed by Codat's secret, so kept for staff to see; never processed."""
    with mock.patch("billpay.onboarding.tasks.webhook_process_task.delay_on_commit") as enqueue:
        response = _post(client, raw, _headers(settings, raw))

    assert response.status_code == 204
    event = WebhookEvent.objects.get()
    assert event.error.startswith("Invalid event:") and event.processed_at is not None
    enqueue.assert_not_called()


def test_a_signature_made_with_the_raw_key_instead_of_the_secret_is_refused(
    client, settings, connected
):
    """Signing with the whsec_ string itself (a common integration slip) is not the real key."""
    raw = _event(connected)
    wrong = Webhook(settings.CODAT_WEBHOOK_SECRET.encode())
    at = datetime.now(tz=UTC)
    headers = _headers(settings, raw, at=at) | {
        "webhook-signature": wrong.sign("msg_sec_1", at, raw)
    }

    response = _post(client, raw, headers)

    assert response.status_code == 401


def test_a_refused_delivery_does_not_echo_the_reason(client, settings, connected):
    raw = _event(connected)
    headers = _headers(settings, raw) | {"webhook-signature": "v1,AAAA"}

    response = _post(client, raw, headers)

    assert response.content == b"invalid signature"
