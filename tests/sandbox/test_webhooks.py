import json
from urllib.parse import urlparse

import pytest
import requests
import responses
from django.core.management import call_command
from django.test import Client
from svix.webhooks import Webhook, WebhookVerificationError

from billpay.sandbox import webhooks
from billpay.sandbox.models import SandboxWebhookDelivery
from tests.sandbox import spec
from tests.sandbox.conftest import company_path, connection_path
from tests.sandbox.test_push import bank, open_bill, payment

HOOK = "http://app.test/codat/webhooks"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def receiver(settings, django_capture_on_commit_callbacks):
    settings.SANDBOX_WEBHOOK_URL = HOOK
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, HOOK, status=200)
        yield mock


def _events(mock) -> list[dict]:
    return [json.loads(call.request.body) for call in mock.calls]


def _verify(call) -> dict:
    headers = {k: v for k, v in call.request.headers.items() if k.startswith("webhook-")}
    Webhook(SECRET).verify(call.request.body, headers)  # raises unless the signature matches
    return json.loads(call.request.body)


def test_deliveries_are_signed_the_svix_way(
    api, seeded, receiver, clock, django_capture_on_commit_callbacks
):
    bill = open_bill(api, seeded, "USD")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            connection_path(seeded) + "/push/billPayments", payment(bill, bank(api, seeded, "USD"))
        )
    clock.advance(2)
    with django_capture_on_commit_callbacks(execute=True):
        api.get(company_path(seeded) + "/push")
    call = receiver.calls[-1]
    verified = _verify(call)
    assert verified["eventType"] == "billPayments.write.successful"
    assert call.request.headers["webhook-signature"].startswith("v1,")
    payload = verified["payload"]
    assert payload["status"] == "Success"
    assert payload["type"] == "Create"
    assert payload["record"]["id"]
    assert payload["connectionId"] == str(seeded.connection.id)
    spec.validate_schema(
        "urn:spec#/components/schemas/DataTypeWriteWebhook", verified, spec.PLATFORM
    )


def test_a_tampered_body_fails_verification(
    api, seeded, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(connection_path(seeded), {"status": "Unlinked"})
    call = receiver.calls[-1]
    headers = {k: v for k, v in call.request.headers.items() if k.startswith("webhook-")}
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(call.request.body.replace(b"Unlinked", b"Linked"), headers)


def test_failed_pushes_send_write_unsuccessful(
    api, seeded, receiver, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(connection_path(seeded) + "/push/suppliers", {"supplierName": ""})
    clock.advance(2)
    with django_capture_on_commit_callbacks(execute=True):
        api.get(company_path(seeded) + "/push")
    assert _events(receiver)[-1]["eventType"] == "suppliers.write.unsuccessful"


def test_link_flow_sends_connection_and_read_webhooks(
    api, receiver, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        company = api.post("/companies", {"name": "Hooked"}).body
        conn = api.post(f"/companies/{company['id']}/connections", {"platformKey": "qhyg"}).body
        Client().post(urlparse(conn["linkUrl"]).path, {"action": "approve"})
    clock.advance(3)
    with django_capture_on_commit_callbacks(execute=True):
        api.get(f"/companies/{company['id']}/dataStatus")
    events = _events(receiver)
    types = [e["eventType"] for e in events]
    assert types == [
        "connection.created",
        "connection.connected",
        "read.completed",
        "read.completed.initial",
    ]
    connected = events[1]
    assert connected["payload"]["connection"]["status"] == "Linked"
    spec.validate_schema("urn:spec#/components/schemas/ConnectionWebhook", connected, spec.PLATFORM)
    read = events[2]
    assert {d["dataType"] for d in read["payload"]["dataTypes"]} >= {
        "bills",
        "suppliers",
        "chartOfAccounts",
    }
    assert all(
        d["recordsModified"] for d in read["payload"]["dataTypes"] if d["dataType"] == "bills"
    )
    spec.validate_schema("urn:spec#/components/schemas/ReadCompletedWebhook", read, spec.PLATFORM)


def test_failed_deliveries_are_retried_with_the_same_webhook_id(
    api, seeded, settings, clock, django_capture_on_commit_callbacks
):
    settings.SANDBOX_WEBHOOK_URL = HOOK
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, HOOK, status=500)
        mock.add(responses.POST, HOOK, status=500)
        mock.add(responses.POST, HOOK, status=204)
        with django_capture_on_commit_callbacks(execute=True):
            api.patch(connection_path(seeded), {"status": "Unlinked"})
        delivery = SandboxWebhookDelivery.objects.get()
        assert delivery.attempts == 1
        assert delivery.status == "pending"
        assert delivery.last_status_code == 500
        clock.advance(5)
        with django_capture_on_commit_callbacks(execute=True):
            api.get(company_path(seeded) + "/dataStatus")  # the lazy path retries
        clock.advance(30)
        call_command("sandbox_deliver_webhooks")
        delivery.refresh_from_db()
        assert delivery.status == "delivered"
        assert delivery.attempts == 3
        ids = {call.request.headers["webhook-id"] for call in mock.calls}
        assert ids == {delivery.msg_id}


def test_a_delivery_gives_up_after_the_schedule(seeded, settings, clock):
    settings.SANDBOX_WEBHOOK_URL = HOOK
    delivery = webhooks.emit(seeded.company, "read.completed", {"dataTypes": []})
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, HOOK, body=requests.ConnectionError("refused"))
        for _ in range(len(webhooks.RETRY_DELAYS) + 1):
            webhooks.deliver_due()
            clock.advance(3600)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempts == len(webhooks.RETRY_DELAYS) + 1
    assert "refused" in delivery.last_error


def test_replay_sends_a_delivered_message_again(
    seeded, settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_WEBHOOK_URL = HOOK
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, HOOK, status=200)
        with django_capture_on_commit_callbacks(execute=True):
            delivery = webhooks.emit(seeded.company, "read.completed", {"dataTypes": []})
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.replay(delivery)
        assert len(mock.calls) == 2
        assert (
            mock.calls[0].request.headers["webhook-id"]
            == mock.calls[1].request.headers["webhook-id"]
        )


def test_a_dead_receiver_never_breaks_the_api(
    api, seeded, settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens-here"
    settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(connection_path(seeded), {"status": "Unlinked"})
    assert response.status_code == 200
    assert SandboxWebhookDelivery.objects.get().status == "pending"


def test_no_url_means_no_webhooks(api, seeded):
    api.patch(connection_path(seeded), {"status": "Unlinked"})
    assert not SandboxWebhookDelivery.objects.exists()


def test_exhausting_the_daily_quota_sends_client_rate_limit_reached(
    api, receiver, settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_RATE_LIMIT_PER_DAY = 1
    with django_capture_on_commit_callbacks(execute=True):
        api.get("/companies")
        api.get("/companies")
        api.get("/companies")
    events = [e for e in _events(receiver) if e["eventType"] == "client.rateLimit.reached"]
    assert len(events) == 1
    assert events[0]["payload"]["dailyQuota"] == 1
    assert events[0]["payload"]["quotaRemaining"] == 0
