from billpay.sandbox import store
from billpay.sandbox.models import SandboxCacheRecord
from tests.sandbox.conftest import company_path


def test_pages_carry_codats_envelope_and_links(api, seeded):
    path = company_path(seeded) + "/data/bills"
    first = api.get(path, params={"pageSize": 15, "orderBy": "-issueDate"}).body
    assert first["pageNumber"] == 1
    assert first["pageSize"] == 15
    assert first["totalResults"] == 40
    assert len(first["results"]) == 15
    links = first["_links"]
    assert links["self"]["href"] == path
    assert links["current"]["href"] == f"{path}?page=1&pageSize=15&orderBy=-issueDate"
    assert links["next"]["href"] == f"{path}?page=2&pageSize=15&orderBy=-issueDate"
    assert "previous" not in links
    last = api.get(path, params={"page": 3, "pageSize": 15}).body
    assert len(last["results"]) == 10
    assert "next" not in last["_links"]
    assert "previous" in last["_links"]


def test_paging_walks_every_record_once(api, seeded):
    path = company_path(seeded) + "/data/bills"
    seen = []
    for page in (1, 2, 3):
        seen += [
            b["id"] for b in api.get(path, params={"page": page, "pageSize": 15}).body["results"]
        ]
    assert len(seen) == len(set(seen)) == 40


def test_page_beyond_the_last_is_empty(api, seeded):
    body = api.get(company_path(seeded) + "/data/bills", params={"page": 9}).body
    assert body["results"] == []
    assert body["totalResults"] == 40


def test_page_size_up_to_5000_and_no_more(api, seeded):
    path = company_path(seeded) + "/data/bills"
    assert api.get(path, params={"pageSize": 5000}).status_code == 200
    assert api.get(path, params={"pageSize": 5001}).status_code == 400
    assert api.get(path, params={"page": 0}).status_code == 400
    assert api.get(path, params={"pageSize": "x"}).status_code == 400


def test_default_page_size_is_100(api, seeded):
    assert api.get(company_path(seeded) + "/data/bills").body["pageSize"] == 100


def test_malformed_query_is_400_in_codats_words(api, seeded):
    response = api.get(company_path(seeded) + "/data/bills", params={"query": "status="})
    assert response.status_code == 400
    assert response.body["error"] == "Error parsing query - Malformed query."


def test_query_and_order_by_through_the_api(api, seeded):
    path = company_path(seeded) + "/data/bills"
    body = api.get(
        path, params={"query": "amountDue>0&&metadata.isDeleted!=true", "orderBy": "dueDate"}
    ).body
    dues = [b["dueDate"] for b in body["results"]]
    assert dues == sorted(dues)
    assert all(b["amountDue"] > 0 and not b["metadata"]["isDeleted"] for b in body["results"])


def test_bank_accounts_are_accounts_with_is_bank_account(api, seeded):
    body = api.get(
        company_path(seeded) + "/data/accounts", params={"query": "isBankAccount=true"}
    ).body
    currencies = {a["currency"] for a in body["results"] if a["status"] == "Active"}
    assert {"USD", "GBP", "EUR"} <= currencies
    assert any(a["type"] == "Liability" for a in body["results"])  # the credit card


def test_single_record_and_unknown_record(api, seeded):
    path = company_path(seeded) + "/data/suppliers"
    supplier = api.get(path).body["results"][0]
    assert api.get(f"{path}/{supplier['id']}").body == supplier
    assert api.get(f"{path}/nope").status_code == 404


def test_reads_before_the_first_dataset_are_409(api, clock):
    company = api.post("/companies", {"name": "Empty"}).body
    response = api.get(f"/companies/{company['id']}/data/suppliers")
    assert response.status_code == 409
    assert response.body["error"] == "The data set has not been requested."


def _edit_in_ledger(seeded, record_id: str, **changes):
    data = store.ledger_get(seeded.company, "bills", record_id)
    store.ledger_put(seeded.company, "bills", record_id, {**data, **changes})


def test_ledger_changes_reach_the_cache_only_after_a_refresh(api, seeded, clock):
    base = company_path(seeded)
    bill = api.get(base + "/data/bills").body["results"][0]
    clock.advance(60)
    _edit_in_ledger(seeded, bill["id"], note="changed in the books")
    assert api.get(f"{base}/data/bills/{bill['id']}").body.get("note") != "changed in the books"
    queued = api.post(base + "/data/queue/bills").body
    assert queued["status"] == "Queued"
    assert api.post(base + "/data/queue/bills").status_code == 409
    clock.advance(3)
    after = api.get(f"{base}/data/bills/{bill['id']}").body
    assert after["note"] == "changed in the books"
    assert after["modifiedDate"] > bill["modifiedDate"]
    changed = api.get(
        base + "/data/bills", params={"query": f"modifiedDate>{bill['modifiedDate']}"}
    )
    assert [b["id"] for b in changed.body["results"]] == [bill["id"]]
    history = api.get(f"{base}/data/history/{queued['id']}").body
    assert history["isCompleted"] is True
    assert history["status"] == "Complete"


def test_records_deleted_in_the_ledger_are_flagged_in_the_cache(api, seeded, clock):
    base = company_path(seeded)
    bill = api.get(base + "/data/bills", params={"query": "metadata.isDeleted=false"}).body[
        "results"
    ][0]
    store.ledger_delete(seeded.company, "bills", bill["id"])
    api.post(base + "/data/queue/bills")
    clock.advance(3)
    after = api.get(f"{base}/data/bills/{bill['id']}").body
    assert after["metadata"]["isDeleted"] is True


def test_the_cache_refreshes_itself_after_the_configured_interval(api, seeded, clock, settings):
    settings.SANDBOX_CACHE_REFRESH_SECONDS = 600
    base = company_path(seeded)
    bill = api.get(base + "/data/bills").body["results"][0]
    _edit_in_ledger(seeded, bill["id"], note="later")
    clock.advance(599)
    assert api.get(f"{base}/data/bills/{bill['id']}").body.get("note") != "later"
    clock.advance(2)
    assert api.get(f"{base}/data/bills/{bill['id']}").body["note"] == "later"


def test_data_all_queues_every_first_read_type(api, seeded, clock):
    base = company_path(seeded)
    assert api.post(base + "/data/all").status_code == 204
    status = api.get(base + "/dataStatus").body
    assert status["bills"]["currentStatus"] == "Queued"
    assert "lastSuccessfulSync" in status["bills"]
    clock.advance(3)
    status = api.get(base + "/dataStatus").body
    assert {v["currentStatus"] for v in status.values()} == {"Complete"}


def test_history_lists_pull_operations_newest_first(api, seeded, clock):
    base = company_path(seeded)
    clock.advance(1)
    api.post(base + "/data/queue/suppliers")
    body = api.get(base + "/data/history", params={"query": "dataType=suppliers"}).body
    assert body["results"][0]["dataType"] == "suppliers"
    assert body["results"][0]["isCompleted"] is False
    unknown = api.get(base + "/data/history", params={"query": "isCompleted=true"})
    assert unknown.status_code == 400
    assert "Could not resolve property isCompleted on Dataset" in unknown.body["error"]


def test_cache_rows_keep_modified_date_as_a_real_column(seeded):
    row = SandboxCacheRecord.objects.filter(company=seeded.company, data_type="bills").first()
    assert row.data["modifiedDate"].startswith(row.modified_date.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_deauthorized_connection_keeps_old_data_but_new_reads_fail(api, seeded, clock):
    from billpay.sandbox.models import SandboxConnection

    SandboxConnection.objects.filter(pk=seeded.connection.pk).update(status="Deauthorized")
    base = company_path(seeded)
    queued = api.post(base + "/data/queue/bills", params=None).body
    clock.advance(3)
    dataset = api.get(f"{base}/data/history/{queued['id']}").body
    assert dataset["status"] == "AuthError"
    assert dataset["isErrored"] is True
    assert api.get(base + "/data/bills").status_code == 200  # the cache is still readable
