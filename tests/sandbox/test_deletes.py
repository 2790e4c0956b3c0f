"""Issue 16, point 4: deletes of bills and bill payments by each platform's rules, to the spec.

The spec's delete-bill and delete-billPayment "Integration specifics": QuickBooks Online and
Desktop, NetSuite, Xero and Sage Intacct take both; Xero deletes a draft bill but voids a posted
one; NetSuite, Intacct and Xero refuse a bill with payments (delete those first); QuickBooks
deletes it and keeps its payments on account. A deleted record stays in Codat's cache flagged
`metadata.isDeleted` once the cache is refreshed.
"""

import pytest

from billpay.sandbox import seeding, store
from billpay.sandbox.models import SandboxPushOperation
from tests.sandbox import spec
from tests.sandbox.conftest import company_path, connection_path, events
from tests.sandbox.test_push import bank, open_bill, payment, push


@pytest.fixture
def netsuite(db, clock):
    return seeding.seed_company(name="Suite Co", platform_key="akxx", bills=20, seed=5)


@pytest.fixture
def intacct(db, clock):
    return seeding.seed_company(name="Intacct Co", platform_key="knfz", bills=20, seed=6)


@pytest.fixture
def freeagent(db, clock):
    return seeding.seed_company(name="Free Co", platform_key="fbrh", bills=20, seed=8)


def _paid(api, seeded, clock, currency, **overrides) -> tuple[dict, str]:
    """An open bill, paid in part through a bill payment; returns (bill, bill payment id)."""
    bill = open_bill(api, seeded, currency)
    half = bill["amountDue"] / 2
    overrides.setdefault("date", max(bill["issueDate"], "2026-11-20T00:00:00"))
    body = payment(bill, bank(api, seeded, currency), amount=half, **overrides)
    _p, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]
    return bill, done["changes"][0]["recordRef"]["id"]


def _delete(api, seeded, path, clock):
    return push(api, seeded, path, None, clock, method="DELETE")


@pytest.mark.parametrize("kind", ["bills", "billPayments"])
def test_a_platform_without_deletes_answers_the_spec_s_404_and_queues_nothing(api, freeagent, kind):
    bill = open_bill(api, freeagent)
    record = bill["id"] if kind == "bills" else "1"
    path = f"{connection_path(freeagent)}/push/{kind}/{record}"

    response = api.delete(path)

    assert response.status_code == 404
    spec.validate("DELETE", path, 404, response.body)
    assert response.body["error"] == f"Delete {kind} is not supported by platform(s) FreeAgent"
    assert not SandboxPushOperation.objects.filter(company=freeagent.company).exists()
    assert store.ledger_get(freeagent.company, "bills", bill["id"]) is not None


def test_deleting_a_bill_payment_gives_the_bill_its_amount_due_back_in_the_cache_on_refresh(
    api, seeded, clock
):
    bill, payment_id = _paid(api, seeded, clock, "USD")
    base = company_path(seeded)
    api.post(base + "/data/queue/bills")
    api.post(base + "/data/queue/billPayments")
    clock.advance(3)
    assert api.get(f"{base}/data/bills/{bill['id']}").body["status"] == "PartiallyPaid"

    _p, done = _delete(api, seeded, f"/push/billPayments/{payment_id}", clock)

    assert done["status"] == "Success"
    assert done["changes"][0] == {
        "type": "Deleted",
        "recordRef": {"id": payment_id, "dataType": "billPayments"},
        "attachmentId": None,
    }
    ledger = store.ledger_get(seeded.company, "bills", bill["id"])
    assert (ledger["amountDue"], ledger["status"]) == (bill["amountDue"], "Open")
    assert ledger["paymentAllocations"] == []
    # Codat's cache changes only when it reads the books again.
    stale = api.get(f"{base}/data/bills/{bill['id']}").body
    assert stale["status"] == "PartiallyPaid"
    api.post(base + "/data/queue/bills")
    api.post(base + "/data/queue/billPayments")
    clock.advance(3)
    fresh = api.get(f"{base}/data/bills/{bill['id']}").body
    assert (fresh["amountDue"], fresh["status"]) == (bill["amountDue"], "Open")
    gone = api.get(f"{base}/data/billPayments/{payment_id}").body
    assert gone["metadata"]["isDeleted"] is True
    spec.validate("GET", f"{base}/data/billPayments/{payment_id}", 200, gone)


def test_deleting_a_bill_payment_twice_fails_the_second_push(api, seeded, clock):
    _bill, payment_id = _paid(api, seeded, clock, "USD")
    _delete(api, seeded, f"/push/billPayments/{payment_id}", clock)

    _p, again = _delete(api, seeded, f"/push/billPayments/{payment_id}", clock)

    assert again["status"] == "Failed"
    assert again["statusCode"] == 400
    assert payment_id in again["validation"]["errors"][0]["message"]


@pytest.mark.parametrize(
    ("platform", "currency", "name"),
    [("xero", "GBP", "Xero"), ("netsuite", "USD", "Oracle NetSuite"), ("intacct", "GBP", "")],
)
def test_platforms_that_want_payments_deleted_first_refuse_a_bill_with_payments(
    api, request, clock, platform, currency, name
):
    seeded = request.getfixturevalue(platform)
    overrides = {"reference": "location-1"} if platform == "netsuite" else {}
    bill, payment_id = _paid(api, seeded, clock, currency, **overrides)

    _p, refused = _delete(api, seeded, f"/push/bills/{bill['id']}", clock)

    assert refused["status"] == "Failed"
    message = refused["validation"]["errors"][0]["message"]
    assert "delete its bill payments first" in message and name in message
    assert store.ledger_get(seeded.company, "bills", bill["id"])["status"] == "PartiallyPaid"
    # Once the payment is deleted, the bill goes (Xero voids it).
    _delete(api, seeded, f"/push/billPayments/{payment_id}", clock)
    _p, done = _delete(api, seeded, f"/push/bills/{bill['id']}", clock)
    assert done["status"] == "Success", done["validation"]
    left = store.ledger_get(seeded.company, "bills", bill["id"])
    if platform == "xero":
        assert (left["status"], left["amountDue"]) == ("Void", 0)
        assert done["changes"][0]["type"] == "Modified"
    else:
        assert left is None
        assert done["changes"][0]["type"] == "Deleted"


def test_xero_deletes_a_draft_bill_and_refuses_to_void_a_void_one(api, xero, clock):
    bill = open_bill(api, xero, "GBP")
    data = store.ledger_get(xero.company, "bills", bill["id"])
    store.ledger_put(xero.company, "bills", bill["id"], {**data, "status": "Draft"})

    _p, done = _delete(api, xero, f"/push/bills/{bill['id']}", clock)

    assert done["changes"][0]["type"] == "Deleted"
    assert store.ledger_get(xero.company, "bills", bill["id"]) is None
    listed = api.get(company_path(xero) + "/data/bills", params={"query": "status=Open"})
    other = next(b for b in listed.body["results"] if b["id"] != bill["id"])
    data = store.ledger_get(xero.company, "bills", other["id"])
    store.ledger_put(xero.company, "bills", other["id"], {**data, "status": "Void"})
    _p, refused = _delete(api, xero, f"/push/bills/{other['id']}", clock)
    assert refused["status"] == "Failed"
    assert "already void" in refused["validation"]["errors"][0]["message"]


def test_quickbooks_deletes_a_paid_bill_and_keeps_its_payment_on_account(api, seeded, clock):
    bill, payment_id = _paid(api, seeded, clock, "USD")

    _p, done = _delete(api, seeded, f"/push/bills/{bill['id']}", clock)

    assert done["status"] == "Success", done["validation"]
    assert store.ledger_get(seeded.company, "bills", bill["id"]) is None
    kept = store.ledger_get(seeded.company, "billPayments", payment_id)
    [link] = kept["lines"][0]["links"]
    assert link["type"] == "PaymentOnAccount" and "id" not in link
    assert kept["totalAmount"] == bill["amountDue"] / 2


def test_a_bill_deleted_in_the_books_is_flagged_deleted_in_the_cache_on_refresh(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    _delete(api, seeded, f"/push/bills/{bill['id']}", clock)
    base = company_path(seeded)
    assert api.get(f"{base}/data/bills/{bill['id']}").body["metadata"]["isDeleted"] is False

    api.post(base + "/data/queue/bills")
    clock.advance(3)

    flagged = api.get(f"{base}/data/bills/{bill['id']}").body
    assert flagged["metadata"]["isDeleted"] is True
    assert "sourceModifiedDate" not in flagged
    listed = api.get(base + "/data/bills", params={"query": "metadata.isDeleted!=true"}).body
    assert bill["id"] not in {b["id"] for b in listed["results"]}


def test_deletes_send_write_webhooks_of_type_delete(
    api, seeded, receiver, clock, django_capture_on_commit_callbacks
):
    bill, payment_id = _paid(api, seeded, clock, "USD")
    with django_capture_on_commit_callbacks(execute=True):
        api.delete(f"{connection_path(seeded)}/push/billPayments/{payment_id}")
        api.delete(f"{connection_path(seeded)}/push/bills/{bill['id']}")
    clock.advance(2)
    with django_capture_on_commit_callbacks(execute=True):
        api.get(company_path(seeded) + "/push")

    deletes = [e for e in events(receiver) if e["payload"].get("type") == "Delete"]

    assert [e["eventType"] for e in deletes] == [
        "billPayments.write.successful",
        "bills.write.successful",
    ]
    assert [e["payload"]["record"]["id"] for e in deletes] == [payment_id, bill["id"]]
    for event in deletes:
        spec.validate_schema(
            "urn:spec#/components/schemas/DataTypeWriteWebhook", event, spec.PLATFORM
        )
