import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from billpay.sandbox import store
from billpay.sandbox.jsonutil import dumps
from billpay.sandbox.models import SandboxConnection, SandboxLedgerRecord, SandboxWebhookDelivery
from tests.sandbox.conftest import company_path


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_superuser(
        email="staff@example.com", password="pw-123456!"
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "sandboxcompany",
        "sandboxconnection",
        "sandboxledgerrecord",
        "sandboxcacherecord",
        "sandboxdataset",
        "sandboxpushoperation",
        "sandboxwebhookdelivery",
    ],
)
def test_admin_lists_render(staff, seeded, model):
    assert staff.get(f"/admin/sandbox/{model}/").status_code == 200


def test_editing_a_bill_in_the_books_stamps_it_and_reaches_the_cache(staff, seeded, api, clock):
    row = SandboxLedgerRecord.objects.filter(company=seeded.company, data_type="bills").first()
    data = {**row.data, "note": "edited by staff"}
    response = staff.post(
        f"/admin/sandbox/sandboxledgerrecord/{row.pk}/change/",
        {"data": dumps(data), "is_deleted": ""},
    )
    assert response.status_code == 302, response.content[:2000]
    row.refresh_from_db()
    assert row.version == 2
    assert row.data["note"] == "edited by staff"
    clock.advance(10)
    store.sync_records(seeded.company, "bills")
    cached = api.get(f"{company_path(seeded)}/data/bills/{row.record_id}").body
    assert cached["note"] == "edited by staff"


def test_staff_can_deauthorize_a_connection(staff, seeded):
    staff.post(
        "/admin/sandbox/sandboxconnection/",
        {"action": "deauthorize", "_selected_action": [seeded.connection.pk]},
    )
    assert SandboxConnection.objects.get(pk=seeded.connection.pk).status == "Deauthorized"


def test_staff_can_set_a_fault_profile(staff, seeded):
    company = seeded.company
    response = staff.post(
        f"/admin/sandbox/sandboxcompany/{company.pk}/change/",
        {
            "name": company.name,
            "description": "",
            "tags": "{}",
            "base_currency": "USD",
            "fault_error_rate": "0.5",
            "fault_latency_ms": "100",
            "fault_429_rate": "",
            "fault_429_burst": "",
            "fault_lost_response_rate": "",
            "push_delay_seconds": "",
            "connections-TOTAL_FORMS": "0",
            "connections-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    company.refresh_from_db()
    assert str(company.fault_error_rate) == "0.5000"
    assert company.fault_latency_ms == 100


def test_replay_action_requeues_a_delivery(staff, seeded, settings, clock):
    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/unused"
    delivery = SandboxWebhookDelivery.objects.create(
        msg_id="msg_x",
        event_type="read.completed",
        body="{}",
        url=settings.SANDBOX_WEBHOOK_URL,
        status="failed",
        attempts=6,
        created=clock.now,
    )
    staff.post(
        "/admin/sandbox/sandboxwebhookdelivery/",
        {"action": "replay", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.attempts == 0


def _company_form(company, **fields) -> dict:
    return {
        "name": company.name,
        "description": "",
        "tags": "{}",
        "base_currency": "USD",
        "connections-TOTAL_FORMS": "0",
        "connections-INITIAL_FORMS": "0",
        **fields,
    }


def test_staff_can_make_the_first_read_fail(staff, seeded):
    company = seeded.company
    response = staff.post(
        f"/admin/sandbox/sandboxcompany/{company.pk}/change/",
        _company_form(
            company, first_read_error="PrerequisiteNotMet", first_read_error_types="bills,suppliers"
        ),
    )
    assert response.status_code == 302, response.content[:3000]
    company.refresh_from_db()
    assert company.first_read_error == "PrerequisiteNotMet"
    assert company.first_read_error_types == "bills,suppliers"
    page = staff.get(f"/admin/sandbox/sandboxcompany/{company.pk}/change/")
    assert b"First read after linking" in page.content


def test_an_unknown_data_type_is_a_form_error(staff, seeded):
    company = seeded.company
    response = staff.post(
        f"/admin/sandbox/sandboxcompany/{company.pk}/change/",
        _company_form(company, first_read_error="FetchError", first_read_error_types="invoices"),
    )
    assert response.status_code == 200
    assert b"Unknown data types: invoices" in response.content
    company.refresh_from_db()
    assert company.first_read_error == ""
