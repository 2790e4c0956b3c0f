"""The first read after linking follows Codat: only the "Fetch on first link" types, and faults
that make it end in each of dataStatus's error statuses."""

from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import Client

from billpay.sandbox import checks, companies, conf, generator, store
from billpay.sandbox.models import (
    READ_ERROR_STATUSES,
    SandboxCompany,
    SandboxConnection,
    SandboxLedgerRecord,
)
from billpay.sandbox.profiles import get_profile
from tests.sandbox import spec
from tests.sandbox.conftest import FIRST_READ_DEFAULT, events

ERRORS = [status for status in READ_ERROR_STATUSES if status != "NotSupported"]


def _company(api, **faults) -> dict:
    company = api.post("/companies", {"name": "First Read Ltd"}).body
    SandboxCompany.objects.filter(pk=company["id"]).update(**faults)
    return company


def _approve(api, company: dict, platform_key: str = "qhyg") -> dict:
    """Create a connection and approve it on the consent page, as the owner would."""
    connection = api.post(
        f"/companies/{company['id']}/connections", {"platformKey": platform_key}
    ).body
    response = Client().post(urlparse(connection["linkUrl"]).path, {"action": "approve"})
    assert response.status_code == 302
    return connection


def _link(api, clock, capture, **faults) -> tuple[dict, dict]:
    """A company linked through the consent page, its first read finished."""
    company = _company(api, **faults)
    with capture(execute=True):
        connection = _approve(api, company)
    clock.advance(3)
    with capture(execute=True):
        api.get(f"/companies/{company['id']}/dataStatus")  # lets the first read finish
    return company, connection


def _history(api, company: dict, data_type: str) -> dict:
    body = api.get(
        f"/companies/{company['id']}/data/history", params={"query": f"dataType={data_type}"}
    ).body
    return body["results"][0]


def test_the_default_is_what_codat_documents_for_bill_pay(settings):
    assert tuple(conf.DEFAULTS["SANDBOX_FIRST_READ_DATA_TYPES"]) == FIRST_READ_DEFAULT
    assert "taxRates" not in FIRST_READ_DEFAULT
    del settings.SANDBOX_FIRST_READ_DATA_TYPES
    assert store.first_read_types() == FIRST_READ_DEFAULT


def test_a_first_read_fetches_only_the_first_link_types(
    api, clock, django_capture_on_commit_callbacks
):
    company, _connection = _link(api, clock, django_capture_on_commit_callbacks)
    status = api.get(f"/companies/{company['id']}/dataStatus").body
    assert set(status) == set(FIRST_READ_DEFAULT)
    assert {entry["currentStatus"] for entry in status.values()} == {"Complete"}
    assert api.get(f"/companies/{company['id']}/data/bills").status_code == 200


def test_a_type_not_fetched_on_first_link_is_409_until_queued(
    api, clock, django_capture_on_commit_callbacks
):
    company, _connection = _link(api, clock, django_capture_on_commit_callbacks)
    base = f"/companies/{company['id']}"
    missing = api.get(base + "/data/taxRates")
    assert missing.status_code == 409
    assert missing.body["error"] == "The data set has not been requested."
    queued = api.post(base + "/data/queue/taxRates")
    assert queued.body["status"] == "Queued"
    assert api.get(base + "/dataStatus").body["taxRates"]["currentStatus"] == "Queued"
    assert api.get(base + "/data/taxRates").status_code == 409
    clock.advance(3)
    rates = api.get(base + "/data/taxRates")
    assert rates.status_code == 200
    assert rates.body["totalResults"] > 0
    entry = api.get(base + "/dataStatus").body["taxRates"]
    assert entry["currentStatus"] == "Complete"
    assert entry["latestSuccessfulSyncId"] == queued.body["id"]


def test_the_setting_chooses_the_first_read_types(
    api, clock, settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_FIRST_READ_DATA_TYPES = ["bills", "suppliers"]
    company, _connection = _link(api, clock, django_capture_on_commit_callbacks)
    assert set(api.get(f"/companies/{company['id']}/dataStatus").body) == {"bills", "suppliers"}
    assert api.get(f"/companies/{company['id']}/data/accounts").status_code == 409


def test_data_all_queues_the_first_link_types_only(api, seeded, clock):
    base = f"/companies/{seeded.company.id}"
    before = api.get(base + "/dataStatus").body
    assert api.post(base + "/data/all").status_code == 204
    after = api.get(base + "/dataStatus").body
    queued = {name for name, entry in after.items() if entry["currentStatus"] == "Queued"}
    assert queued == set(FIRST_READ_DEFAULT)
    assert after["taxRates"] == before["taxRates"]


@pytest.mark.parametrize("status", ERRORS)
def test_a_first_read_can_end_in_each_error_status(
    api, clock, receiver, django_capture_on_commit_callbacks, status
):
    company, connection = _link(
        api, clock, django_capture_on_commit_callbacks, first_read_error=status
    )
    base = f"/companies/{company['id']}"
    entry = api.get(base + "/dataStatus").body["bills"]
    assert entry["currentStatus"] == status
    assert entry["latestSyncId"]
    assert "lastSuccessfulSync" not in entry
    assert "latestSuccessfulSyncId" not in entry
    read = api.get(base + "/data/bills")
    assert read.status_code == 409
    assert read.body["error"] == "The data set has not been requested."
    pull = _history(api, company, "bills")
    assert pull["status"] == status
    assert pull["isErrored"] is True
    assert pull["isCompleted"] is False
    assert pull["errorMessage"]
    spec.validate("GET", f"{base}/data/history/{pull['id']}", 200, pull)
    initial = [e for e in events(receiver) if e["eventType"] == "read.completed.initial"]
    assert len(initial) == 1
    summaries = initial[0]["payload"]["dataTypes"]
    assert {d["status"] for d in summaries} == {status}
    assert {d["connectionId"] for d in summaries} == {connection["id"]}
    assert not any(d["recordsModified"] for d in summaries)
    spec.validate_schema(
        "urn:spec#/components/schemas/ReadCompletedWebhook", initial[0], spec.PLATFORM
    )


def test_a_first_read_can_end_in_not_supported_which_reads_answer_404(
    api, clock, receiver, django_capture_on_commit_callbacks
):
    company, _connection = _link(
        api,
        clock,
        django_capture_on_commit_callbacks,
        first_read_error="NotSupported",
        first_read_error_types="bills",
    )
    base = f"/companies/{company['id']}"
    assert api.get(base + "/dataStatus").body["bills"]["currentStatus"] == "NotSupported"
    read = api.get(base + "/data/bills")
    assert read.status_code == 404
    assert read.body["error"] == "Datatype bills not supported by platform(s) QuickBooks Online"
    spec.validate("GET", base + "/data/bills", 404, read.body)
    pull = _history(api, company, "bills")
    # Codat's spec: failed pull operations are `status!=Complete&&status!=NotSupported`.
    assert pull["isErrored"] is False
    assert pull["isCompleted"] is True
    initial = next(e for e in events(receiver) if e["eventType"] == "read.completed.initial")
    by_type = {d["dataType"]: d["status"] for d in initial["payload"]["dataTypes"]}
    assert by_type["bills"] == "NotSupported"
    assert by_type["suppliers"] == "Complete"


def test_a_type_the_platform_does_not_support_stays_unsupported(
    api, clock, django_capture_on_commit_callbacks
):
    company, _connection = _link(
        api,
        clock,
        django_capture_on_commit_callbacks,
        first_read_error="NotSupported",
        first_read_error_types="bills",
    )
    base = f"/companies/{company['id']}"
    api.post(base + "/data/queue/bills")
    clock.advance(3)
    assert api.get(base + "/dataStatus").body["bills"]["currentStatus"] == "NotSupported"
    assert api.get(base + "/data/bills").status_code == 404


def test_only_the_first_read_fails_so_queueing_again_recovers(
    api, clock, django_capture_on_commit_callbacks
):
    company, _connection = _link(
        api, clock, django_capture_on_commit_callbacks, first_read_error="FetchError"
    )
    base = f"/companies/{company['id']}"
    api.post(base + "/data/queue/bills")
    clock.advance(3)
    entry = api.get(base + "/dataStatus").body["bills"]
    assert entry["currentStatus"] == "Complete"
    assert entry["lastSuccessfulSync"]
    assert api.get(base + "/data/bills").status_code == 200


def test_the_error_can_be_limited_to_some_types(api, clock, django_capture_on_commit_callbacks):
    company, _connection = _link(
        api,
        clock,
        django_capture_on_commit_callbacks,
        first_read_error="PermissionsError",
        first_read_error_types="bills, suppliers",
    )
    status = api.get(f"/companies/{company['id']}/dataStatus").body
    failed = {name for name, entry in status.items() if entry["currentStatus"] != "Complete"}
    assert failed == {"bills", "suppliers"}
    assert status["bills"]["currentStatus"] == "PermissionsError"
    assert api.get(f"/companies/{company['id']}/data/accounts").status_code == 200


def test_the_environment_sets_a_default_the_company_overrides(
    api, clock, settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_FAULT_FIRST_READ_ERROR = "RateLimitError"
    settings.SANDBOX_FAULT_FIRST_READ_ERROR_TYPES = ["suppliers"]
    plain, _c = _link(api, clock, django_capture_on_commit_callbacks)
    status = api.get(f"/companies/{plain['id']}/dataStatus").body
    assert status["suppliers"]["currentStatus"] == "RateLimitError"
    assert status["bills"]["currentStatus"] == "Complete"
    own, _c = _link(
        api, clock, django_capture_on_commit_callbacks, first_read_error="InternalError"
    )
    status = api.get(f"/companies/{own['id']}/dataStatus").body
    assert status["suppliers"]["currentStatus"] == "InternalError"
    assert status["bills"]["currentStatus"] == "Complete"


def _books_with_deleted_bills(api, count: int = 3) -> tuple[dict, list[str]]:
    """A company whose books were kept before linking, a few bills already deleted in them."""
    company = _company(api)
    row = SandboxCompany.objects.get(pk=company["id"])
    generator.generate_books(row, get_profile("qhyg"), bills=20, seed=5, fill_cache=False)
    deleted = list(
        SandboxLedgerRecord.objects.filter(company=row, data_type="bills", is_deleted=False)
        .order_by("record_id")
        .values_list("record_id", flat=True)[:count]
    )
    for record_id in deleted:
        store.ledger_delete(row, "bills", record_id)
    return company, deleted


def test_records_deleted_before_the_first_read_are_never_served(api, clock):
    company, deleted = _books_with_deleted_bills(api)
    _approve(api, company)
    clock.advance(3)
    base = f"/companies/{company['id']}"
    served = api.get(base + "/data/bills", params={"pageSize": 5000}).body["results"]
    ids = {bill["id"] for bill in served}
    assert ids.isdisjoint(deleted)
    assert not any(bill["metadata"]["isDeleted"] for bill in served)
    flagged = api.get(base + "/data/bills", params={"query": "metadata.isDeleted=true"}).body
    assert flagged["totalResults"] == 0
    assert api.get(f"{base}/data/bills/{deleted[0]}").status_code == 404
    live = SandboxLedgerRecord.objects.filter(
        company_id=company["id"], data_type="bills", is_deleted=False
    )
    assert ids == set(live.values_list("record_id", flat=True))


def test_a_record_deleted_after_the_first_read_is_flagged_not_dropped(api, clock):
    company, _deleted = _books_with_deleted_bills(api)
    _approve(api, company)
    clock.advance(3)
    base = f"/companies/{company['id']}"
    bill = api.get(base + "/data/bills", params={"pageSize": 1}).body["results"][0]
    store.ledger_delete(SandboxCompany.objects.get(pk=company["id"]), "bills", bill["id"])
    api.post(base + "/data/queue/bills")
    clock.advance(3)
    assert api.get(f"{base}/data/bills/{bill['id']}").body["metadata"]["isDeleted"] is True


def test_a_record_created_and_deleted_between_two_reads_is_never_seen(api, seeded, clock):
    template = store.ledger_get(seeded.company, "bills", "1")
    store.ledger_put(seeded.company, "bills", "ephemeral", template)
    store.ledger_delete(seeded.company, "bills", "ephemeral")
    base = f"/companies/{seeded.company.id}"
    api.post(base + "/data/queue/bills")
    clock.advance(3)
    assert api.get(f"{base}/data/bills/ephemeral").status_code == 404
    assert api.get(f"{base}/dataStatus").body["bills"]["currentStatus"] == "Complete"


def test_linking_again_is_a_reconnection_with_an_ordinary_read(
    api, clock, receiver, django_capture_on_commit_callbacks
):
    company, connection = _link(api, clock, django_capture_on_commit_callbacks)
    row = SandboxConnection.objects.get(pk=connection["id"])
    with django_capture_on_commit_callbacks(execute=True):
        companies.connection_set_status(connection=row, status="Deauthorized")
        _approve_again(connection)
    clock.advance(3)
    with django_capture_on_commit_callbacks(execute=True):
        api.get(f"/companies/{company['id']}/dataStatus")
    types = [e["eventType"] for e in events(receiver)]
    assert types == [
        "connection.created",
        "connection.connected",
        "read.completed.initial",
        "connection.disconnected",
        "connection.reconnected",
        "read.completed",
    ]


def _approve_again(connection: dict) -> None:
    response = Client().post(urlparse(connection["linkUrl"]).path, {"action": "approve"})
    assert response.status_code == 302


def test_unknown_names_in_the_settings_fail_the_system_checks(settings):
    settings.SANDBOX_FIRST_READ_DATA_TYPES = ["bills", "invoices"]
    settings.SANDBOX_FAULT_FIRST_READ_ERROR = "Broken"
    found = {error.id: error.msg for error in checks.sandbox_first_read_settings(None)}
    assert "invoices" in found["sandbox.E001"]
    assert "Broken" in found["sandbox.E002"]
    settings.SANDBOX_FIRST_READ_DATA_TYPES = list(FIRST_READ_DEFAULT)
    settings.SANDBOX_FAULT_FIRST_READ_ERROR = "FetchError"
    assert checks.sandbox_first_read_settings(None) == []
    call_command("check")
