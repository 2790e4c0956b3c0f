import base64
import json
from decimal import Decimal

import pytest
import requests
from responses import matchers

from billpay.codat import CodatClient, get_codat_client
from tests.codat.payloads import (
    API_KEY,
    BASE_URL,
    COMPANY_ID,
    CONNECTION_ID,
    page,
    push_operation,
    url,
)

DATA = f"/companies/{COMPANY_ID}/data"
PUSH = f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/push"
IDS = {"company_id": COMPANY_ID, "connection_id": CONNECTION_ID}


def _bills(*ids):
    return [{"id": bill_id, "totalAmount": 1} for bill_id in ids]


def _json(body):
    return json.dumps(body, default=str)


def test_requests_carry_the_base64_api_key(codat, mocked):
    mocked.get(url(f"/companies/{COMPANY_ID}"), json={"id": COMPANY_ID})

    codat.get_company(company_id=COMPANY_ID)

    expected = "Basic " + base64.b64encode(API_KEY.encode()).decode()
    assert mocked.calls[0].request.headers["Authorization"] == expected


def test_requests_use_explicit_connect_and_read_timeouts(mocked):
    session = requests.Session()
    seen = {}
    original = session.request

    def spy(*args, **kwargs):
        seen["timeout"] = kwargs["timeout"]
        return original(*args, **kwargs)

    session.request = spy
    client = CodatClient(BASE_URL, API_KEY, timeout=(2.0, 9.0), session=session)
    mocked.get(url(f"/companies/{COMPANY_ID}"), json={"id": COMPANY_ID})

    client.get_company(company_id=COMPANY_ID)

    assert seen["timeout"] == (2.0, 9.0)


def test_all_requests_share_one_session(codat, mocked):
    mocked.get(url(f"/companies/{COMPANY_ID}"), json={"id": COMPANY_ID})
    session = codat._session

    codat.get_company(company_id=COMPANY_ID)
    codat.get_company(company_id=COMPANY_ID)

    assert codat._session is session


def test_list_bills_follows_every_page(codat, mocked):
    mocked.get(
        url(f"{DATA}/bills"),
        match=[matchers.query_param_matcher({"page": "1", "pageSize": "2"})],
        json=page(_bills("a", "b"), page_size=2, total=5, next_href="/next"),
    )
    mocked.get(
        url(f"{DATA}/bills"),
        match=[matchers.query_param_matcher({"page": "2", "pageSize": "2"})],
        body=_json(page(_bills("c", "d"), page_number=2, page_size=2, total=5, next_href="/n")),
    )
    mocked.get(
        url(f"{DATA}/bills"),
        match=[matchers.query_param_matcher({"page": "3", "pageSize": "2"})],
        body=_json(page(_bills("e"), page_number=3, page_size=2, total=5)),
    )

    bills = list(codat.list_bills(company_id=COMPANY_ID, page_size=2))

    assert [bill.id for bill in bills] == ["a", "b", "c", "d", "e"]
    assert len(mocked.calls) == 3


def test_pagination_stops_when_codat_gives_no_next_link(codat, mocked):
    mocked.get(url(f"{DATA}/bills"), body=_json(page(_bills("a"), page_size=1, total=9)))

    assert len(list(codat.list_bills(company_id=COMPANY_ID, page_size=1))) == 1


def test_pagination_stops_on_an_empty_page(codat, mocked):
    envelope = page([], page_number=2)
    del envelope["_links"]
    mocked.get(url(f"{DATA}/suppliers"), body=_json(envelope))

    assert list(codat.list_suppliers(company_id=COMPANY_ID)) == []


def test_pagination_counts_with_the_page_size_codat_actually_used(codat, mocked):
    mocked.get(
        url(f"{DATA}/bills"),
        body=_json(page(_bills("a", "b"), page_size=2, total=4, next_href="/n")),
    )
    mocked.get(
        url(f"{DATA}/bills"),
        body=_json(page(_bills("c", "d"), page_number=2, page_size=2, total=4)),
    )

    bills = list(codat.list_bills(company_id=COMPANY_ID, page_size=5000))

    assert len(bills) == 4


def test_pages_are_fetched_lazily(codat, mocked):
    mocked.get(
        url(f"{DATA}/bills"),
        body=_json(page(_bills("a", "b"), page_size=2, total=4, next_href="/n")),
    )

    first = next(codat.list_bills(company_id=COMPANY_ID, page_size=2))

    assert first.id == "a"
    assert len(mocked.calls) == 1


def test_a_page_size_above_5000_is_refused(codat):
    with pytest.raises(ValueError):
        list(codat.list_bills(company_id=COMPANY_ID, page_size=5001))


def test_a_page_size_of_5000_is_allowed(codat, mocked):
    mocked.get(
        url(f"{DATA}/bills"),
        match=[matchers.query_param_matcher({"page": "1", "pageSize": "5000"})],
        json=page([], page_size=5000),
    )

    assert list(codat.list_bills(company_id=COMPANY_ID, page_size=5000)) == []


def test_query_and_order_by_are_passed_url_encoded(codat, mocked):
    query = "{totalAmount > 100 || totalAmount < 50} && status != Paid"
    mocked.get(url(f"{DATA}/bills"), json=page([]))

    list(codat.list_bills(company_id=COMPANY_ID, query=query, order_by="-modifiedDate"))

    sent = mocked.calls[0].request.url
    assert "query=%7BtotalAmount%20%3E%20100%20%7C%7C%20totalAmount%20%3C%2050%7D%20%26%26" in sent
    assert "orderBy=-modifiedDate" in sent


def test_query_round_trips_through_the_url_unchanged(codat, mocked):
    query = "amountDue>0&&metadata.isDeleted!=true"
    mocked.get(
        url(f"{DATA}/bills"),
        json=page([]),
        match=[matchers.query_param_matcher({"page": "1", "pageSize": "100", "query": query})],
    )

    assert list(codat.list_bills(company_id=COMPANY_ID, query=query)) == []


def test_path_ids_are_percent_encoded(codat, mocked):
    mocked.get(url(f"{DATA}/bills/INV%2F2023%201"), json={"id": "INV/2023 1"})

    assert codat.get_bill(company_id=COMPANY_ID, bill_id="INV/2023 1").id == "INV/2023 1"


def test_an_empty_id_is_refused_before_any_request(codat):
    with pytest.raises(ValueError):
        codat.get_bill(company_id=COMPANY_ID, bill_id="")


def test_amounts_in_responses_are_exact_decimals(codat, mocked):
    mocked.get(url(f"{DATA}/bills/b1"), body='{"id": "b1", "totalAmount": 1234.5678}')

    assert codat.get_bill(company_id=COMPANY_ID, bill_id="b1").total_amount == Decimal("1234.5678")


def test_request_counts_are_kept_per_path_template(codat, mocked):
    mocked.get(url(f"{DATA}/bills/b1"), json={"id": "b1"})
    mocked.get(url(f"{DATA}/bills/b2"), json={"id": "b2"})
    mocked.get(url(f"{DATA}/bills"), json=page([]))

    codat.get_bill(company_id=COMPANY_ID, bill_id="b1")
    codat.get_bill(company_id=COMPANY_ID, bill_id="b2")
    list(codat.list_bills(company_id=COMPANY_ID))

    assert codat.request_counts == {
        "GET /companies/{companyId}/data/bills/{billId}": 2,
        "GET /companies/{companyId}/data/bills": 1,
    }
    assert codat.total_requests == 3


def test_retries_are_counted_as_requests(codat, mocked):
    mocked.get(url(f"{DATA}/bills/b1"), status=503)
    mocked.get(url(f"{DATA}/bills/b1"), json={"id": "b1"})

    codat.get_bill(company_id=COMPANY_ID, bill_id="b1")

    assert codat.total_requests == 2


def test_create_company_posts_the_name(codat, mocked):
    mocked.post(
        url("/companies"),
        json={"id": COMPANY_ID, "name": "Alpha Bakery"},
        match=[matchers.json_params_matcher({"name": "Alpha Bakery"})],
    )

    assert codat.create_company(name="Alpha Bakery").id == COMPANY_ID


def test_create_connection_posts_the_platform_key(codat, mocked):
    mocked.post(
        url(f"/companies/{COMPANY_ID}/connections"),
        json={"id": CONNECTION_ID, "status": "PendingAuth"},
        match=[matchers.json_params_matcher({"platformKey": "gbol"})],
    )

    connection = codat.create_connection(company_id=COMPANY_ID, platform_key="gbol")

    assert connection.status == "PendingAuth"


def test_unlink_connection_patches_the_status_to_unlinked(codat, mocked):
    mocked.patch(
        url(f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}"),
        json={"id": CONNECTION_ID, "status": "Unlinked"},
        match=[matchers.json_params_matcher({"status": "Unlinked"})],
    )

    assert codat.unlink_connection(**IDS).status == "Unlinked"


def test_list_connections_yields_connections(codat, mocked):
    mocked.get(
        url(f"/companies/{COMPANY_ID}/connections"),
        json=page([{"id": CONNECTION_ID, "sourceType": "Accounting", "status": "Linked"}]),
    )

    connections = list(codat.list_connections(company_id=COMPANY_ID))

    assert connections[0].is_linked_accounting


def test_data_status_is_keyed_by_data_type_and_skips_nulls(codat, mocked):
    mocked.get(
        url(f"/companies/{COMPANY_ID}/dataStatus"),
        json={
            "bills": {
                "dataType": "bills",
                "currentStatus": "Complete",
                "lastSuccessfulSync": "2022-01-01T00:00:00.000Z",
            },
            "suppliers": None,
        },
    )

    statuses = codat.get_data_status(company_id=COMPANY_ID)

    assert list(statuses) == ["bills"]
    assert statuses["bills"].current_status == "Complete"


def test_refresh_data_type_queues_the_data_type(codat, mocked):
    mocked.post(
        url(f"/companies/{COMPANY_ID}/data/queue/bills"),
        match=[matchers.query_param_matcher({"connectionId": CONNECTION_ID})],
        json={
            "id": "pull-1",
            "dataType": "bills",
            "status": "Queued",
            "isCompleted": False,
            "isErrored": False,
            "progress": 0,
        },
    )

    operation = codat.refresh_data_type(**IDS, data_type="bills")

    assert operation.status == "Queued"


def test_get_company_info_reads_data_info(codat, mocked):
    mocked.get(url(f"{DATA}/info"), json={"companyName": "Alpha Bakery", "baseCurrency": "GBP"})

    assert codat.get_company_info(company_id=COMPANY_ID).base_currency == "GBP"


def test_get_push_operation_reads_the_operation(codat, mocked):
    key = "8e42e5f6-c596-4ddf-a5e4-fdc9977f5a99"
    mocked.get(url(f"/companies/{COMPANY_ID}/push/{key}"), json=push_operation(status="Success"))

    operation = codat.get_push_operation(company_id=COMPANY_ID, push_operation_key=key)

    assert operation.status == "Success"


def test_list_push_operations_supports_query(codat, mocked):
    mocked.get(
        url(f"/companies/{COMPANY_ID}/push"),
        json=page([push_operation()]),
        match=[
            matchers.query_param_matcher(
                {"page": "1", "pageSize": "100", "query": "status=Pending"}
            )
        ],
    )

    operations = list(codat.list_push_operations(company_id=COMPANY_ID, query="status=Pending"))

    assert operations[0].is_pending


def test_push_options_read_the_data_types_options(codat, mocked):
    mocked.get(
        url(f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/options/bankAccounts"),
        json={"type": "Object", "displayName": "Bank account", "required": True},
    )

    options = codat.get_push_options(**IDS, data_type="bankAccounts")

    assert options.display_name == "Bank account"


def test_push_options_refuse_an_unknown_data_type(codat):
    with pytest.raises(ValueError):
        codat.get_push_options(**IDS, data_type="invoices")


def test_bill_attachments_are_listed(codat, mocked):
    mocked.get(
        url(f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/data/bills/b1/attachments"),
        json={"attachments": [{"id": "att-1", "name": "invoice.pdf", "fileSize": 2048}]},
    )

    attachments = codat.list_bill_attachments(**IDS, bill_id="b1")

    assert attachments[0].file_size == 2048


def test_a_bill_attachment_is_downloaded_as_bytes(codat, mocked):
    path = (
        f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/data/bills/b1/attachments/a1/download"
    )
    mocked.get(url(path), body=b"%PDF-1.7", content_type="application/octet-stream")

    assert codat.download_bill_attachment(**IDS, bill_id="b1", attachment_id="a1") == b"%PDF-1.7"


def test_an_attachment_is_uploaded_as_the_multipart_file_part(codat, mocked):
    mocked.post(url(f"{PUSH}/bills/b1/attachments"), body="")

    codat.upload_bill_attachment(
        **IDS,
        bill_id="b1",
        filename="invoice.pdf",
        content=b"%PDF-1.7",
        content_type="application/pdf",
        idempotency_key="idem-att",
    )

    request = mocked.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="invoice.pdf"' in request.body
    assert b"%PDF-1.7" in request.body


def test_read_only_fields_are_not_pushed(codat, mocked):
    mocked.put(url(f"{PUSH}/bills/b1"), json=push_operation(data_type="bills"))

    codat.update_bill(
        **IDS,
        bill_id="b1",
        idempotency_key="k",
        bill={"status": "Open", "modifiedDate": "x", "sourceModifiedDate": "y", "metadata": {}},
    )

    assert json.loads(mocked.calls[0].request.body) == {"status": "Open"}


def test_force_update_and_timeout_are_sent_as_query_parameters(codat, mocked):
    mocked.put(
        url(f"{PUSH}/suppliers/s1"),
        json=push_operation(data_type="suppliers"),
        match=[matchers.query_param_matcher({"forceUpdate": "true", "timeoutInMinutes": "30"})],
    )

    codat.update_supplier(
        **IDS,
        supplier_id="s1",
        supplier={"status": "Active"},
        idempotency_key="k",
        force_update=True,
        timeout_in_minutes=30,
    )

    assert len(mocked.calls) == 1


def test_a_push_without_an_idempotency_key_is_refused(codat):
    with pytest.raises(ValueError):
        codat.create_bill_payment(**IDS, bill_payment={"date": "2023-04-17"}, idempotency_key="")


def test_get_codat_client_uses_the_configured_url_and_key(settings, mocked):
    settings.CODAT_BASE_URL = "https://configured.codat.test"
    settings.CODAT_API_KEY = "configured-key"
    mocked.get("https://configured.codat.test/companies/c1", json={"id": "c1"})

    get_codat_client().get_company(company_id="c1")

    expected = "Basic " + base64.b64encode(b"configured-key").decode()
    assert mocked.calls[0].request.headers["Authorization"] == expected
