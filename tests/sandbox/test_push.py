from decimal import Decimal

import pytest

from billpay.sandbox import store
from billpay.sandbox.models import SandboxConnection, SandboxPushOperation
from tests.sandbox.conftest import company_path, connection_path


def open_bill(api, seeded, currency=None) -> dict:
    query = "status=Open&&metadata.isDeleted!=true"
    if currency:
        query += f"&&currency={currency}"
    bills = api.get(company_path(seeded) + "/data/bills", params={"query": query}).body["results"]
    for bill in bills:
        supplier = store.ledger_get(seeded.company, "suppliers", bill["supplierRef"]["id"])
        if supplier["status"] == "Active":
            return bill
    raise AssertionError("no open bill")


def edited_bill(api, seeded, clock, **changes) -> dict:
    """An open bill changed in the books and re-synced, e.g. made Void or EUR."""
    bill = open_bill(api, seeded, "USD")
    data = store.ledger_get(seeded.company, "bills", bill["id"])
    store.ledger_put(seeded.company, "bills", bill["id"], {**data, **changes})
    api.post(company_path(seeded) + "/data/queue/bills")
    clock.advance(3)
    return api.get(f"{company_path(seeded)}/data/bills/{bill['id']}").body


def bank(api, seeded, currency: str, status="Active") -> dict:
    accounts = api.get(
        company_path(seeded) + "/data/accounts",
        params={"query": f"isBankAccount=true&&currency={currency}&&status={status}"},
    ).body["results"]
    return accounts[0]


def payment(bill: dict, account: dict, amount=None, **overrides) -> dict:
    amount = bill["amountDue"] if amount is None else amount
    body = {
        "supplierRef": {"id": bill["supplierRef"]["id"]},
        "accountRef": {"id": account["id"]},
        "totalAmount": amount,
        "currency": bill["currency"],
        "currencyRate": 1,
        "date": "2026-11-20T00:00:00",
        "reference": "BP-0001",
        "lines": [
            {"amount": amount, "links": [{"type": "Bill", "id": bill["id"], "amount": -amount}]}
        ],
    }
    body.update(overrides)
    return body


def push(api, seeded, path: str, body, clock, method="POST", **kw) -> tuple[dict, dict]:
    """Send a push; return (the immediate answer, the operation once completed)."""
    pending = api.request(method, connection_path(seeded) + path, body=body, **kw)
    assert pending.status_code == 200, pending.content
    clock.advance(2)
    key = pending.body["pushOperationKey"]
    done = api.get(f"{company_path(seeded)}/push/{key}").body
    return pending.body, done


def test_a_push_answers_pending_then_completes_as_success(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    body = payment(bill, bank(api, seeded, "USD"))
    pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert pending["status"] == "Pending"
    assert pending["statusCode"] == 200
    assert pending["changes"] is None
    assert "completedOnUtc" not in pending
    assert pending["dataType"] == "billPayments"
    assert pending["data"]["reference"] == "BP-0001"
    assert done["status"] == "Success"
    assert done["statusCode"] == 200
    assert done["completedOnUtc"]
    change = done["changes"][0]
    assert change["type"] == "Created"
    assert change["recordRef"]["dataType"] == "billPayments"


def test_paying_in_full_changes_the_ledger_and_the_cache_only_after_refresh(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    _pending, done = push(
        api, seeded, "/push/billPayments", payment(bill, bank(api, seeded, "USD")), clock
    )
    payment_id = done["changes"][0]["recordRef"]["id"]
    ledger = store.ledger_get(seeded.company, "bills", bill["id"])
    assert ledger["amountDue"] == 0
    assert ledger["status"] == "Paid"
    assert ledger["paymentAllocations"][-1]["payment"]["id"] == payment_id
    assert ledger["paymentAllocations"][-1]["allocation"]["totalAmount"] == bill["amountDue"]
    recorded = store.ledger_get(seeded.company, "billPayments", payment_id)
    assert recorded["reference"] == "BP-0001"
    base = company_path(seeded)
    stale = api.get(f"{base}/data/bills/{bill['id']}").body
    assert stale["status"] == "Open"
    assert api.get(f"{base}/data/billPayments/{payment_id}").status_code == 404
    api.post(base + "/data/queue/bills")
    api.post(base + "/data/queue/billPayments")
    clock.advance(3)
    fresh = api.get(f"{base}/data/bills/{bill['id']}").body
    assert fresh["status"] == "Paid"
    assert fresh["amountDue"] == 0
    listed = api.get(base + "/data/billPayments", params={"query": "reference=BP-0001"}).body
    assert [p["id"] for p in listed["results"]] == [payment_id]


def test_a_partial_payment_leaves_the_bill_partially_paid(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    part = (bill["amountDue"] / 3).quantize(Decimal("0.01"))
    push(api, seeded, "/push/billPayments", payment(bill, bank(api, seeded, "USD"), part), clock)
    ledger = store.ledger_get(seeded.company, "bills", bill["id"])
    assert ledger["status"] == "PartiallyPaid"
    assert ledger["amountDue"] == bill["amountDue"] - part


def _failed(api, seeded, clock, body) -> dict:
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert done["statusCode"] == 400
    assert done["errorMessage"]
    assert done["validation"]["errors"]
    return done


def _messages(done) -> str:
    return " | ".join(e["message"] for e in done["validation"]["errors"])


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b, a, s: payment(b, a, b["amountDue"] + 1), "exceeds"),
        (lambda b, a, s: payment(b, a, supplierRef={"id": "99999"}), "does not match"),
        (lambda b, a, s: payment(b, a, accountRef={"id": "no-such-account"}), "does not exist"),
        (lambda b, a, s: payment(b, a, accountRef={"id": s["archived"]}), "archived"),
        (lambda b, a, s: payment(b, a, currency="GBP"), "does not match account"),
        (lambda b, a, s: payment(b, s["eur"], currency="EUR"), "cannot be paid in EUR"),
        (lambda b, a, s: payment(b, a, 0), "greater than zero"),
        (lambda b, a, s: {**payment(b, a, 10), "totalAmount": 11}, "add up"),
        (
            lambda b, a, s: {
                **payment(b, a, 10),
                "lines": [{"amount": -10, "links": []}],
                "totalAmount": -10,
            },
            "greater than zero",
        ),
        (lambda b, a, s: payment(b, a, date="2020-01-01T00:00:00"), "before the bill"),
    ],
    ids=[
        "overpay",
        "wrong-supplier",
        "unknown-account",
        "archived-account",
        "account-currency",
        "base-bill-in-a-foreign-currency",
        "zero",
        "lines-not-summing",
        "negative-line",
        "before-issue",
    ],
)
def test_bill_payment_rules_fail_with_a_readable_message(api, seeded, clock, mutate, expected):
    bill = open_bill(api, seeded, "USD")
    extras = {
        "archived": bank(api, seeded, "USD", status="Archived")["id"],
        "eur": bank(api, seeded, "EUR"),
    }
    done = _failed(api, seeded, clock, mutate(bill, bank(api, seeded, "USD"), extras))
    assert expected in _messages(done)
    assert store.ledger_get(seeded.company, "bills", bill["id"])["amountDue"] == bill["amountDue"]


@pytest.mark.parametrize("status", ["Void", "Paid"])
def test_void_and_paid_bills_cannot_be_paid(api, seeded, clock, status):
    bill = edited_bill(api, seeded, clock, status=status)
    account = bank(api, seeded, bill["currency"])
    done = _failed(api, seeded, clock, payment(bill, account, Decimal("1.00")))
    assert f"is {status}" in _messages(done)


def test_a_foreign_bill_can_be_paid_in_the_base_currency(api, seeded, clock):
    bill = edited_bill(api, seeded, clock, currency="EUR")
    body = payment(bill, bank(api, seeded, "USD"), currency="USD", totalAmount=Decimal("50.00"))
    body["lines"] = [
        {
            "amount": Decimal("50.00"),
            "links": [
                {
                    "type": "Bill",
                    "id": bill["id"],
                    "amount": Decimal("-40.00"),
                    "currencyRate": Decimal("0.8"),
                }
            ],
        }
    ]
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]


def test_deleting_a_bill_payment_restores_amount_due(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    _p, done = push(
        api, seeded, "/push/billPayments", payment(bill, bank(api, seeded, "USD")), clock
    )
    payment_id = done["changes"][0]["recordRef"]["id"]
    _p, deleted = push(
        api, seeded, f"/push/billPayments/{payment_id}", None, clock, method="DELETE"
    )
    assert deleted["status"] == "Success"
    assert deleted["changes"][0]["type"] == "Deleted"
    ledger = store.ledger_get(seeded.company, "bills", bill["id"])
    assert ledger["amountDue"] == bill["amountDue"]
    assert ledger["status"] == "Open"


def test_same_idempotency_key_and_body_replays_the_first_answer(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    body = payment(bill, bank(api, seeded, "USD"))
    path = connection_path(seeded) + "/push/billPayments"
    headers = {"Idempotency-Key": "6a3c9f7e-0d6b-4a53-9d0e-7f2b8c1d2e3f"}
    first = api.post(path, body, headers=headers)
    second = api.post(path, body, headers=headers)
    assert second.status_code == 200
    assert second.body["pushOperationKey"] == first.body["pushOperationKey"]
    assert SandboxPushOperation.objects.filter(company=seeded.company).count() == 1


def test_same_idempotency_key_with_a_different_body_is_422(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    path = connection_path(seeded) + "/push/billPayments"
    headers = {"Idempotency-Key": "k-1"}
    api.post(path, payment(bill, bank(api, seeded, "USD")), headers=headers)
    response = api.post(
        path, payment(bill, bank(api, seeded, "USD"), Decimal("1.00")), headers=headers
    )
    assert response.status_code == 422
    assert response.body["statusCode"] == 422


def test_a_push_times_out_when_the_platform_is_slower_than_the_timeout(
    api, seeded, clock, settings
):
    settings.SANDBOX_PUSH_DELAY_SECONDS = 600
    bill = open_bill(api, seeded, "USD")
    path = connection_path(seeded) + "/push/billPayments?timeoutInMinutes=1"
    pending = api.post(path, payment(bill, bank(api, seeded, "USD"))).body
    assert pending["timeoutInMinutes"] == 1
    clock.advance(59)
    key = pending["pushOperationKey"]
    assert api.get(f"{company_path(seeded)}/push/{key}").body["status"] == "Pending"
    clock.advance(2)
    done = api.get(f"{company_path(seeded)}/push/{key}").body
    assert done["status"] == "TimedOut"
    assert store.ledger_get(seeded.company, "bills", bill["id"])["amountDue"] == bill["amountDue"]


def test_pushing_to_a_connection_that_is_not_linked_is_refused(api, seeded):
    SandboxConnection.objects.filter(pk=seeded.connection.pk).update(status="Deauthorized")
    response = api.post(connection_path(seeded) + "/push/suppliers", {"supplierName": "X"})
    assert response.status_code == 400
    assert "Deauthorized" in response.body["error"]


def test_read_only_fields_are_ignored_with_a_warning(api, seeded, clock):
    body = {
        "supplierName": "Warned Ltd",
        "status": "Active",
        "modifiedDate": "2020-01-01T00:00:00Z",
    }
    pending, done = push(api, seeded, "/push/suppliers", body, clock)
    assert pending["validation"]["warnings"][0]["itemId"] == "modifiedDate"
    assert done["status"] == "Success"


def test_create_update_and_delete_a_bill(api, seeded, clock):
    template = open_bill(api, seeded, "USD")
    body = {
        k: v
        for k, v in template.items()
        if k
        not in (
            "id",
            "modifiedDate",
            "sourceModifiedDate",
            "metadata",
            "amountDue",
            "paymentAllocations",
        )
    }
    body["reference"] = "NEW-1"
    _p, created = push(api, seeded, "/push/bills", body, clock)
    assert created["status"] == "Success", created["validation"]
    bill_id = created["changes"][0]["recordRef"]["id"]
    assert bill_id.isdigit()  # QuickBooks-style ids
    assert store.ledger_get(seeded.company, "bills", bill_id)["amountDue"] == body["totalAmount"]
    _p, updated = push(
        api, seeded, f"/push/bills/{bill_id}", {**body, "note": "edited"}, clock, method="PUT"
    )
    assert updated["changes"][0]["type"] == "Modified"
    assert store.ledger_get(seeded.company, "bills", bill_id)["note"] == "edited"
    _p, deleted = push(api, seeded, f"/push/bills/{bill_id}", None, clock, method="DELETE")
    assert deleted["changes"][0]["type"] == "Deleted"
    assert store.ledger_get(seeded.company, "bills", bill_id) is None


def test_a_bill_whose_totals_do_not_add_up_fails(api, seeded, clock):
    template = open_bill(api, seeded, "USD")
    body = {k: v for k, v in template.items() if k not in ("id", "metadata")}
    body["totalAmount"] = body["totalAmount"] + 1
    _p, done = push(api, seeded, "/push/bills", body, clock)
    assert done["status"] == "Failed"
    assert "subTotal + taxAmount" in _messages(done)


def test_create_and_update_a_supplier(api, seeded, clock):
    _p, done = push(
        api,
        seeded,
        "/push/suppliers",
        {"supplierName": "Fresh Farm Ltd", "status": "Active"},
        clock,
    )
    supplier_id = done["changes"][0]["recordRef"]["id"]
    _p, updated = push(
        api,
        seeded,
        f"/push/suppliers/{supplier_id}",
        {"supplierName": "Fresh Farm Group", "status": "Active"},
        clock,
        method="PUT",
    )
    assert updated["status"] == "Success"
    assert (
        store.ledger_get(seeded.company, "suppliers", supplier_id)["supplierName"]
        == "Fresh Farm Group"
    )


def test_push_history_can_be_filtered_by_status(api, seeded, clock):
    push(api, seeded, "/push/suppliers", {"supplierName": "", "status": "Active"}, clock)
    push(api, seeded, "/push/suppliers", {"supplierName": "Ok Ltd", "status": "Active"}, clock)
    body = api.get(company_path(seeded) + "/push", params={"query": "status=Failed"}).body
    assert body["totalResults"] == 1
    assert body["results"][0]["status"] == "Failed"


def test_a_repeated_key_while_the_first_is_in_flight_is_409(api, seeded, clock):
    from billpay.sandbox.models import SandboxIdempotencyKey

    path = connection_path(seeded) + "/push/suppliers"
    body = {"supplierName": "Race Ltd", "status": "Active"}
    first = api.post(path, body, headers={"Idempotency-Key": "in-flight"})
    SandboxIdempotencyKey.objects.filter(key="in-flight").update(status_code=None)
    second = api.post(path, body, headers={"Idempotency-Key": "in-flight"})
    assert first.status_code == 200
    assert second.status_code == 409


def test_upload_and_delete_a_bill_attachment(api, seeded, clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bill = open_bill(api, seeded)
    conn = connection_path(seeded)
    upload = api.client.post(
        f"/sandbox/api{conn}/push/bills/{bill['id']}/attachments",
        {"file": SimpleUploadedFile("receipt.png", b"\x89PNG", "image/png")},
        HTTP_AUTHORIZATION=api.auth,
    )
    assert upload.json()["status"] == "Pending"
    clock.advance(2)
    listing = f"{conn}/data/bills/{bill['id']}/attachments"
    attachment = api.get(listing).body["attachments"][0]
    assert attachment["name"] == "receipt.png"
    assert attachment["fileSize"] == 4
    _p, done = push(
        api,
        seeded,
        f"/push/bills/{bill['id']}/attachments/{attachment['id']}",
        None,
        clock,
        method="DELETE",
    )
    assert done["status"] == "Success"
    assert done["changes"][0]["attachmentId"] == attachment["id"]
    assert api.get(listing).body["attachments"] == []


def test_upload_without_a_file_is_400(api, seeded):
    bill = open_bill(api, seeded)
    response = api.client.post(
        f"/sandbox/api{connection_path(seeded)}/push/bills/{bill['id']}/attachments",
        {},
        HTTP_AUTHORIZATION=api.auth,
    )
    assert response.status_code == 400


def test_a_malformed_body_fails_its_push_without_breaking_later_requests(api, seeded, clock):
    _p, done = push(
        api, seeded, "/push/billPayments", {"date": "2026-01-01", "lines": "oops"}, clock
    )
    assert done["status"] == "Failed"
    assert api.get(company_path(seeded) + "/data/bills").status_code == 200
