"""Every endpoint the sandbox serves answers in the shape Codat's OpenAPI spec documents."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.sandbox import spec
from tests.sandbox.conftest import company_path, connection_path

READS = [
    "bills",
    "suppliers",
    "accounts",
    "billPayments",
    "taxRates",
    "paymentMethods",
    "billCreditNotes",
]


def check(response, method: str, path: str, status: int = 200):
    assert response.status_code == status, response.content[:500]
    spec.validate(method, path, status, response.body)
    return response.body


def test_the_spec_is_read_from_the_shared_folder():
    assert spec.PAYABLES.exists()
    assert spec.load()["openapi"].startswith("3.")


def test_companies_and_connections_conform(api, clock):
    created = check(api.post("/companies", {"name": "Conformance Ltd"}), "POST", "/companies")
    path = f"/companies/{created['id']}"
    check(api.get("/companies"), "GET", "/companies")
    check(api.get(path), "GET", path)
    check(api.put(path, {"name": "Renamed"}), "PUT", path)
    check(api.patch(path, {"description": "d"}), "PATCH", path)
    connection = check(
        api.post(path + "/connections", {"platformKey": "gbol"}), "POST", path + "/connections"
    )
    one = f"{path}/connections/{connection['id']}"
    check(api.get(path + "/connections"), "GET", path + "/connections")
    check(api.get(one), "GET", one)
    assert api.delete(one).status_code == 200
    assert api.delete(path).status_code == 204


def test_unlink_conforms(api, seeded):
    path = connection_path(seeded)
    check(api.patch(path, {"status": "Unlinked"}), "PATCH", path)


@pytest.mark.parametrize("segment", READS)
def test_read_lists_and_single_records_conform(api, seeded, segment):
    path = f"{company_path(seeded)}/data/{segment}"
    page = check(api.get(path, params={"pageSize": 50}), "GET", path)
    assert page["results"], segment
    for record in page["results"][:10]:
        one = f"{path}/{record['id']}"
        check(api.get(one), "GET", one)


def test_company_info_conforms(api, seeded):
    path = company_path(seeded) + "/data/info"
    body = check(api.get(path), "GET", path)
    assert body["baseCurrency"] == "USD"


def test_data_status_queue_and_history_conform(api, seeded):
    base = company_path(seeded)
    check(api.get(base + "/dataStatus"), "GET", base + "/dataStatus")
    queued = check(api.post(base + "/data/queue/bills"), "POST", base + "/data/queue/bills")
    check(api.get(base + "/data/history"), "GET", base + "/data/history")
    one = f"{base}/data/history/{queued['id']}"
    check(api.get(one), "GET", one)
    assert api.post(base + "/data/all").status_code == 204


@pytest.mark.parametrize(
    "data_type",
    ["bills", "suppliers", "billPayments", "bankAccounts", "chartOfAccounts", "billCreditNotes"],
)
def test_push_options_conform(api, seeded, data_type):
    path = f"{connection_path(seeded)}/options/{data_type}"
    check(api.get(path), "GET", path)


def _bill(api, seeded, status="Open"):
    page = api.get(
        company_path(seeded) + "/data/bills",
        params={"query": f"status={status}&&metadata.isDeleted!=true", "pageSize": 1},
    )
    return page.body["results"][0]


def test_pushes_and_push_history_conform(api, seeded, clock):
    conn = connection_path(seeded)
    bill = _bill(api, seeded)
    supplier = api.get(company_path(seeded) + "/data/suppliers", params={"pageSize": 1}).body[
        "results"
    ][0]
    body = {
        k: v
        for k, v in bill.items()
        if k not in ("id", "modifiedDate", "sourceModifiedDate", "metadata")
    }
    bodies = [
        ("POST", f"{conn}/push/bills", body),
        ("PUT", f"{conn}/push/bills/{bill['id']}", body),
        ("POST", f"{conn}/push/suppliers", {"supplierName": "New Co", "status": "Active"}),
        ("PUT", f"{conn}/push/suppliers/{supplier['id']}", {**supplier, "id": None}),
        (
            "POST",
            f"{conn}/push/bankAccounts",
            {"accountName": "Ops", "accountType": "Debit", "currency": "USD"},
        ),
        (
            "POST",
            f"{conn}/push/billPayments",
            {"date": "2026-01-01T00:00:00", "totalAmount": 1, "lines": [{"amount": 1}]},
        ),
        ("DELETE", f"{conn}/push/bills/{bill['id']}", None),
        ("DELETE", f"{conn}/push/billPayments/1", None),
    ]
    keys = []
    for method, path, payload in bodies:
        response = api.request(method, path, body=payload)
        keys.append(check(response, method, path)["pushOperationKey"])
    upload = api.client.post(
        f"/sandbox/api{conn}/push/bills/{bill['id']}/attachments",
        {"file": SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 test", "application/pdf")},
        HTTP_AUTHORIZATION=api.auth,
    )
    assert upload.status_code == 200
    clock.advance(5)
    base = company_path(seeded)
    for key in keys:
        done = check(api.get(f"{base}/push/{key}"), "GET", f"{base}/push/{key}")
        assert done["status"] in ("Success", "Failed")
    check(api.get(base + "/push"), "GET", base + "/push")


def test_attachments_conform(api, seeded, clock):
    conn = connection_path(seeded)
    bill = _bill(api, seeded)
    api.client.post(
        f"/sandbox/api{conn}/push/bills/{bill['id']}/attachments",
        {"file": SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 test", "application/pdf")},
        HTTP_AUTHORIZATION=api.auth,
    )
    clock.advance(2)
    path = f"{conn}/data/bills/{bill['id']}/attachments"
    listing = check(api.get(path), "GET", path)
    attachment = listing["attachments"][0]
    one = f"{path}/{attachment['id']}"
    check(api.get(one), "GET", one)
    download = api.get(one + "/download")
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 test"
    remove = f"{conn}/push/bills/{bill['id']}/attachments/{attachment['id']}"
    check(api.delete(remove), "DELETE", remove)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/companies/00000000-0000-0000-0000-000000000000", 404),
        ("GET", "/companies?query=nope=1", 400),
    ],
)
def test_errors_conform(api, method, path, status):
    response = api.request(method, path)
    check(response, method, path, status)


def test_unauthorised_conforms(db):
    from django.test import Client

    response = Client().get("/sandbox/api/companies")
    assert response.status_code == 401
    import json

    spec.validate("GET", "/companies", 401, json.loads(response.content))


def test_dataset_not_ready_conforms(api, clock):
    company = api.post("/companies", {"name": "Fresh"}).body
    path = f"/companies/{company['id']}/data/bills"
    check(api.get(path), "GET", path, 409)


@pytest.mark.parametrize("kind", ["bills", "billPayments"])
def test_deletes_refused_by_the_platform_and_deleted_records_conform(api, clock, kind):
    from billpay.sandbox import seeding

    freeagent = seeding.seed_company(name="Free Co", platform_key="fbrh", bills=5, seed=3)
    path = f"{connection_path(freeagent)}/push/{kind}/1"
    check(api.delete(path), "DELETE", path, 404)
    seeded = seeding.seed_company(name="Books Co", platform_key="qhyg", bills=5, seed=3)
    bill = _bill(api, seeded)
    remove = f"{connection_path(seeded)}/push/bills/{bill['id']}"
    check(api.delete(remove), "DELETE", remove)
    clock.advance(2)
    api.post(company_path(seeded) + "/data/queue/bills")
    clock.advance(3)
    one = f"{company_path(seeded)}/data/bills/{bill['id']}"
    assert check(api.get(one), "GET", one)["metadata"]["isDeleted"] is True
