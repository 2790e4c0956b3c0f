import json
import uuid
from datetime import datetime
from urllib.parse import urlparse

import pytest
import requests
import responses
from django.core.management import call_command
from django.test import Client
from svix.webhooks import Webhook, WebhookVerificationError

from billpay.sandbox import store, webhooks
from billpay.sandbox.models import SandboxWebhookDelivery
from tests.sandbox import spec
from tests.sandbox.conftest import (
    FIRST_READ_DEFAULT,
    HOOK,
    company_path,
    connection_path,
    events,
)
from tests.sandbox.test_push import bank, open_bill, payment

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
_events = events


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
    # The first read ends with read.completed.initial alone; read.completed is for later reads.
    assert types == ["connection.created", "connection.connected", "read.completed.initial"]
    connected = events[1]
    assert connected["payload"]["connection"]["status"] == "Linked"
    spec.validate_schema("urn:spec#/components/schemas/ConnectionWebhook", connected, spec.PLATFORM)
    read = events[2]
    assert [d["dataType"] for d in read["payload"]["dataTypes"]] == sorted(FIRST_READ_DEFAULT)
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


ENVELOPE = {"id", "eventType", "generatedDate", "payload"}
READ_PAYLOAD = {"referenceCompany", "modifiedFromDate", "dataTypes"}
READ_SUMMARY = {"connectionId", "dataType", "recordsModified", "status", "issues"}


def _assert_read_event(event: dict, event_type: str) -> None:
    """The envelope and payload of read.completed(.initial), exactly as CODAT.md §13 lists them."""
    assert set(event) == ENVELOPE
    assert event["eventType"] == event_type
    uuid.UUID(event["id"])
    assert datetime.fromisoformat(event["generatedDate"]).tzinfo is not None
    payload = event["payload"]
    assert set(payload) == READ_PAYLOAD
    assert set(payload["referenceCompany"]) == {"id", "name", "description", "links", "tags"}
    assert datetime.fromisoformat(payload["modifiedFromDate"]).tzinfo is not None
    for summary in payload["dataTypes"]:
        assert set(summary) == READ_SUMMARY
        assert isinstance(summary["recordsModified"], bool)
        assert summary["issues"] == []
    spec.validate_schema("urn:spec#/components/schemas/ReadCompletedWebhook", event, spec.PLATFORM)
    assert event_type in spec.load(spec.PLATFORM)["webhooks"]


def test_a_later_read_sends_read_completed_in_codats_shape(
    api, seeded, receiver, clock, django_capture_on_commit_callbacks
):
    base = company_path(seeded)
    bill = api.get(base + "/data/bills", params={"pageSize": 1}).body["results"][0]
    data = store.ledger_get(seeded.company, "bills", bill["id"])
    store.ledger_put(seeded.company, "bills", bill["id"], {**data, "note": "changed"})
    clock.advance(1)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(base + "/data/queue/bills")
        api.post(base + "/data/queue/suppliers")
    clock.advance(3)
    with django_capture_on_commit_callbacks(execute=True):
        api.get(base + "/dataStatus")
    (event,) = _events(receiver)
    _assert_read_event(event, "read.completed")
    payload = event["payload"]
    assert payload["referenceCompany"]["id"] == str(seeded.company.id)
    assert payload["referenceCompany"]["name"] == "Acme Widgets"
    by_type = {d["dataType"]: d for d in payload["dataTypes"]}
    assert set(by_type) == {"bills", "suppliers"}
    assert by_type["bills"]["recordsModified"] is True
    assert by_type["suppliers"]["recordsModified"] is False  # nothing changed in the books
    assert {d["status"] for d in by_type.values()} == {"Complete"}
    assert {d["connectionId"] for d in by_type.values()} == {str(seeded.connection.id)}
    changed = api.get(f"{base}/data/bills/{bill['id']}").body
    assert changed["modifiedDate"] >= payload["modifiedFromDate"]
    again = api.get(
        base + "/data/bills", params={"query": f"modifiedDate>={payload['modifiedFromDate']}"}
    )
    assert [b["id"] for b in again.body["results"]] == [bill["id"]]


def test_the_first_read_sends_read_completed_initial_in_codats_shape(
    api, receiver, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        company = api.post("/companies", {"name": "Initial Ltd"}).body
        conn = api.post(f"/companies/{company['id']}/connections", {"platformKey": "gbol"}).body
        Client().post(urlparse(conn["linkUrl"]).path, {"action": "approve"})
    clock.advance(3)
    with django_capture_on_commit_callbacks(execute=True):
        api.get(f"/companies/{company['id']}/dataStatus")
        api.get(f"/companies/{company['id']}/dataStatus")  # nothing more is sent
    reads = [e for e in _events(receiver) if e["eventType"].startswith("read.")]
    assert [e["eventType"] for e in reads] == ["read.completed.initial"]
    _assert_read_event(reads[0], "read.completed.initial")
    summaries = reads[0]["payload"]["dataTypes"]
    assert sorted(d["dataType"] for d in summaries) == sorted(FIRST_READ_DEFAULT)
    assert {d["connectionId"] for d in summaries} == {conn["id"]}
    assert {d["status"] for d in summaries} == {"Complete"}
