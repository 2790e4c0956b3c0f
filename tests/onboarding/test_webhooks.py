import json
import time
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse
from svix.webhooks import Webhook

from billpay.bills.models import SyncRun
from billpay.onboarding.models import AccountingConnection, WebhookEvent
from billpay.onboarding.services import webhook_process
from tests.factories import AccountingConnectionFactory

pytestmark = pytest.mark.django_db

URL = "/webhooks/codat/"


@pytest.fixture
def connected(company):
    company.codat_company_id = "5a8c1f2e-0000-4000-8000-000000000001"
    company.save()
    AccountingConnectionFactory(company=company)
    return company


def _event(company, event_type: str, payload: dict) -> dict:
    return {
        "id": "bae71d36-ff47-420a-b4a6-f8c9ddf41140",
        "eventType": event_type,
        "generatedDate": "2026-11-25T10:00:23Z",
        "payload": {
            "referenceCompany": {"id": company.codat_company_id, "name": company.name},
            **payload,
        },
    }


def _post(client, settings, body: dict, *, msg_id="msg_1", at=None, secret=None):
    raw = json.dumps(body)
    at = at or datetime.now(tz=UTC)
    signature = Webhook(secret or settings.CODAT_WEBHOOK_SECRET).sign(msg_id, at, raw)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
    return client.post(URL, raw, content_type="application/json", headers=headers)


def _read_completed(company, *types):
    data_types = [
        {"connectionId": "c", "dataType": t, "recordsModified": True, "status": "Complete"}
        for t in types
    ]
    return _event(
        company,
        "read.completed",
        {"modifiedFromDate": "2026-11-25T00:00:00Z", "dataTypes": data_types},
    )


def test_a_signed_webhook_is_stored_and_its_processing_enqueued(
    client, settings, connected, django_capture_on_commit_callbacks
):
    with (
        mock.patch("billpay.onboarding.tasks.webhook_process_task.delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _post(client, settings, _read_completed(connected, "bills"))

    assert response.status_code == 204
    event = WebhookEvent.objects.get()
    assert (event.event_type, event.company) == ("read.completed", connected)
    enqueue.assert_called_once_with(event_id=event.pk)


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, settings, connected):
    response = _post(
        client,
        settings,
        _read_completed(connected, "bills"),
        secret="whsec_" + "d3Jvbmcgc2VjcmV0IGtleSBoZXJl",
    )

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_stale_webhook_is_refused(client, settings, connected):
    an_hour_ago = datetime.fromtimestamp(time.time() - 3600, tz=UTC)

    response = _post(client, settings, _read_completed(connected, "bills"), at=an_hour_ago)

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_a_tampered_body_is_refused(client, settings, connected):
    body = _read_completed(connected, "bills")
    raw = json.dumps(body)
    at = datetime.now(tz=UTC)
    signature = Webhook(settings.CODAT_WEBHOOK_SECRET).sign("msg_1", at, raw)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }

    response = client.post(
        URL, raw.replace("bills", "suppliers"), content_type="application/json", headers=headers
    )

    assert response.status_code == 401


def test_a_replayed_delivery_is_stored_once(client, settings, connected):
    body = _read_completed(connected, "bills")

    first = _post(client, settings, body, msg_id="msg_same")
    again = _post(client, settings, body, msg_id="msg_same")

    assert (first.status_code, again.status_code) == (204, 204)
    assert WebhookEvent.objects.count() == 1


def test_webhooks_need_post(client):
    assert client.get(URL).status_code == 405


def test_read_completed_queues_a_sync_of_the_modified_types(connected):
    event = WebhookEvent.objects.create(
        webhook_id="msg_2",
        event_type="read.completed",
        company=connected,
        payload=_read_completed(connected, "bills", "chartOfAccounts", "invoices"),
    )

    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        webhook_process(event_id=event.pk)

    run = SyncRun.objects.get(company=connected)
    assert (run.trigger, run.data_types) == ("webhook", ["accounts", "bills"])
    assert run.modified_from == datetime(2026, 11, 25, tzinfo=UTC)  # Codat's modifiedFromDate


def test_processing_an_event_twice_acts_once(connected):
    event = WebhookEvent.objects.create(
        webhook_id="msg_3",
        event_type="read.completed",
        company=connected,
        payload=_read_completed(connected, "bills"),
    )
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit") as enqueue:
        webhook_process(event_id=event.pk)
        webhook_process(event_id=event.pk)

    assert enqueue.call_count == 1
    assert SyncRun.objects.filter(company=connected).count() == 1


def test_connection_events_apply_the_status_codat_holds(connected):
    """The event's own status is not trusted: the connection is read back from Codat."""
    local = AccountingConnection.objects.get(company=connected)
    body = _event(
        connected,
        "connection.disconnected",
        {"connection": {"id": local.codat_connection_id, "status": "Linked"}},
    )
    event = WebhookEvent.objects.create(
        webhook_id="msg_4", event_type="connection.disconnected", company=connected, payload=body
    )
    remote = mock.Mock(status="Deauthorized")

    with mock.patch("billpay.onboarding.services.connection.get_codat_client") as client:
        client.return_value.get_connection.return_value = remote
        webhook_process(event_id=event.pk)

    assert AccountingConnection.objects.get(company=connected).status == "deauthorized"
    client.return_value.get_connection.assert_called_once_with(
        company_id=connected.codat_company_id, connection_id=local.codat_connection_id
    )


MALFORMED = [
    ("connection.connected", {"connection": "Linked"}),
    ("connection.connected", {"connection": {"id": 42}}),
    ("read.completed", {"dataTypes": "bills"}),
    ("read.completed", {"dataTypes": [{"dataType": None}]}),
    ("read.completed", {"dataTypes": [], "modifiedFromDate": 7}),
    ("billPayments.write.successful", {"id": {"x": 1}, "status": "Success"}),
    ("billPayments.write.successful", {"id": "push-1", "record": "145"}),
    ("bills.write.unsuccessful", {"status": ["Failed"]}),
]


@pytest.mark.parametrize(("event_type", "payload"), MALFORMED)
def test_a_signed_but_malformed_event_is_stored_as_invalid_and_never_acted_on(
    client, settings, connected, event_type, payload, django_capture_on_commit_callbacks
):
    with (
        mock.patch("billpay.onboarding.tasks.webhook_process_task.delay") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _post(client, settings, _event(connected, event_type, payload))

    assert response.status_code == 204
    event = WebhookEvent.objects.get()
    assert event.error.startswith("Invalid event:")
    assert event.processed_at is not None
    enqueue.assert_not_called()
    webhook_process(event_id=event.pk)  # a stray task does nothing either


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2, 3]",
        b'"text"',
        b'{"eventType": {"a": 1}}',
        b'{"eventType": "' + b"x" * 500 + b'"}',
        rb'{"eventType": "read.completed", "payload": {"note": "nul \u0000 and \ud800"}}',
        b'{"eventType": "read.completed", "payload": {"referenceCompany": {"id": ["a"]}}}',
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_a_signed_body_of_any_shape_is_answered_without_a_500(client, settings, connected, raw):
    at = datetime.now(tz=UTC)
    signature = Webhook(settings.CODAT_WEBHOOK_SECRET).sign("msg_odd", at, raw.decode())
    headers = {
        "webhook-id": "msg_odd",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }

    response = client.post(URL, raw, content_type="application/json", headers=headers)

    assert response.status_code == 204
    assert WebhookEvent.objects.get().error.startswith("Invalid event:")


def test_an_overlong_webhook_id_is_refused(client, settings, connected):
    response = _post(client, settings, _read_completed(connected, "bills"), msg_id="m" * 101)

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_write_events_are_recorded_for_the_write_path(client, settings, connected):
    body = _event(
        connected,
        "billPayments.write.successful",
        {"id": "push-1", "type": "Create", "status": "Success", "record": {"id": "145"}},
    )

    _post(client, settings, body, msg_id="msg_5")

    assert WebhookEvent.objects.get().event_type == "billPayments.write.successful"


def test_a_write_event_of_another_outcome_gets_the_same_shape_check():
    from billpay.onboarding.services.webhooks import webhook_problem

    body = {"eventType": "billPayments.write.pending", "payload": {"status": "Pending"}}

    assert webhook_problem(body) == "the push operation key is missing"


def test_the_receiver_is_exempt_from_login_and_csrf(settings, connected):
    from django.test import Client

    response = _post(
        Client(enforce_csrf_checks=True),
        settings,
        _read_completed(connected, "bills"),
        msg_id="msg_6",
    )

    assert response.status_code == 204
    assert reverse("onboarding:codat-webhook") == URL
