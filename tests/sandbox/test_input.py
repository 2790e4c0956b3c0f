"""Input PostgreSQL cannot store, or Codat would refuse, is a 4xx at the door, never a 500."""

import pytest
from django.test import Client

from billpay.sandbox.models import SandboxCompany, SandboxLedgerRecord, SandboxPushOperation
from tests.sandbox import spec
from tests.sandbox.conftest import company_path, connection_path


def _raw_post(api, path: str, body: bytes, **headers):
    client = Client(raise_request_exception=False)
    return client.post(
        "/sandbox/api" + path,
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=api.auth,
        **headers,
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"supplierName": "A\\u0000B", "status": "Active"}',
        b'{"supplierName": "\\ud800", "status": "Active"}',
        b'{"supplierName": "Ok", "status": "Active", "\\u0000": 1}',
        b'{"supplierName": "Ok", "status": "Active", "balance": NaN}',
        b'{"supplierName": "Ok", "status": "Active", "balance": Infinity}',
        b'{"supplierName": "Ok", "status": "Active", "balance": 1e999999}',
    ],
    ids=["nul", "lone-surrogate", "nul-key", "nan", "infinity", "huge-exponent"],
)
def test_a_body_postgres_cannot_store_is_400(api, seeded, body):
    response = _raw_post(api, connection_path(seeded) + "/push/suppliers", body)
    assert response.status_code == 400
    spec.validate("POST", connection_path(seeded) + "/push/suppliers", 400, response.json())
    assert not SandboxPushOperation.objects.filter(company=seeded.company).exists()


def test_a_nul_in_a_record_id_is_404(api, seeded):
    response = api.get(company_path(seeded) + "/data/bills/%00")
    assert response.status_code == 404
    assert response.body["statusCode"] == 404


def test_a_nul_in_the_query_string_is_400(api, seeded):
    response = api.get(company_path(seeded) + "/data/bills", params={"query": "id=\x00"})
    assert response.status_code == 400
    spec.validate("GET", company_path(seeded) + "/data/bills", 400, response.body)


@pytest.mark.parametrize("key", ["\x00", "k" * 256])
def test_an_idempotency_key_that_cannot_be_stored_is_400(api, seeded, key):
    response = api.post(
        connection_path(seeded) + "/push/suppliers",
        {"supplierName": "Keyed Ltd", "status": "Active"},
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.body["error"]


def test_a_company_name_longer_than_codat_keeps_is_400(api, seeded):
    created = api.post("/companies", {"name": "N" * 201})
    assert created.status_code == 400
    patched = api.patch(company_path(seeded), {"name": "N" * 201})
    assert patched.status_code == 400
    assert SandboxCompany.objects.get(pk=seeded.company.pk).name == "Acme Widgets"


def test_a_push_without_a_body_echoes_no_record(api, seeded):
    response = api.post(connection_path(seeded) + "/push/suppliers")
    assert response.status_code == 200
    assert "data" not in response.body
    spec.validate("POST", connection_path(seeded) + "/push/suppliers", 200, response.body)


@pytest.fixture
def staff(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser(email="st@example.com", password="pw-12345!")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("data", ["12", "[1, 2]", '{"note": "a\\u0000b"}'])
def test_a_ledger_record_must_stay_a_json_object_postgres_can_store(staff, seeded, data):
    row = SandboxLedgerRecord.objects.filter(company=seeded.company, data_type="bills").first()
    response = staff.post(
        f"/admin/sandbox/sandboxledgerrecord/{row.pk}/change/", {"data": data, "is_deleted": ""}
    )
    assert response.status_code == 200
    assert b"errornote" in response.content
    row.refresh_from_db()
    assert row.version == 1


def test_records_are_not_added_by_hand_in_the_books(staff, seeded):
    assert staff.get("/admin/sandbox/sandboxledgerrecord/add/").status_code == 403
