"""Supplier credit notes in the sandbox's books: generated, read (data/billCreditNotes), pushed
(push/billCreditNotes, validated per platform), and missing on a platform that lacks them."""

from decimal import Decimal

import pytest

from billpay.sandbox import generator, seeding, store
from billpay.sandbox.generator import credit_note_count
from billpay.sandbox.models import SandboxLedgerRecord
from tests.sandbox import spec
from tests.sandbox.conftest import company_path, connection_path
from tests.sandbox.test_push import push

NOTES = "/data/billCreditNotes"


def check(response, method: str, path: str, status: int = 200):
    assert response.status_code == status, response.content[:500]
    spec.validate(method, path, status, response.body)
    return response.body


def _all(api, seeded, **params) -> list[dict]:
    return api.get(company_path(seeded) + NOTES, params={"pageSize": 500, **params}).body["results"]


def _usable_supplier(api, seeded) -> dict:
    suppliers = api.get(
        company_path(seeded) + "/data/suppliers", params={"query": "status=Active"}
    ).body["results"]
    return suppliers[0]


def _expense(api, seeded) -> dict:
    return api.get(company_path(seeded) + "/data/accounts", params={"query": "type=Expense"}).body[
        "results"
    ][0]


def _body(supplier: dict, account: dict, **overrides) -> dict:
    body = {
        "billCreditNoteNumber": "CN-NEW-1",
        "supplierRef": {"id": supplier["id"]},
        "issueDate": "2026-11-20T00:00:00",
        "currency": "USD",
        "status": "Submitted",
        "lineItems": [
            {
                "description": "Returned goods",
                "unitAmount": Decimal("40.00"),
                "quantity": Decimal("2"),
                "subTotal": Decimal("80.00"),
                "taxAmount": Decimal("0"),
                "totalAmount": Decimal("80.00"),
                "accountRef": {"id": account["id"]},
            }
        ],
        "subTotal": Decimal("80.00"),
        "totalTaxAmount": Decimal("0"),
        "totalDiscount": Decimal("0"),
        "discountPercentage": Decimal("0"),
        "totalAmount": Decimal("80.00"),
    }
    body.update(overrides)
    return body


def _ledger(seeded, data_type: str) -> list[dict]:
    rows = SandboxLedgerRecord.objects.filter(company=seeded.company, data_type=data_type)
    return [
        {k: v for k, v in row.data.items() if k != "sourceModifiedDate"}
        for row in rows.order_by("record_id")
    ]


def test_a_seeded_company_has_a_few_deterministic_credit_notes(db, clock):
    one = seeding.seed_company(name="A", bills=40, seed=7)
    two = seeding.seed_company(name="B", bills=40, seed=7)
    assert one.books.credit_notes == credit_note_count(40) == 3
    notes = _ledger(one, "billCreditNotes")
    assert len(notes) == 3
    assert notes == _ledger(two, "billCreditNotes")
    for note in notes:
        assert note["subTotal"] + note["totalTaxAmount"] == note["totalAmount"]
        assert 0 <= note["remainingCredit"] <= note["totalAmount"]
    other_seed = seeding.seed_company(name="C", bills=40, seed=8)
    assert _ledger(other_seed, "billCreditNotes") != notes


def test_generating_credit_notes_leaves_a_seeds_bills_as_they_were(db, clock, monkeypatch):
    """The notes draw from their own random stream: bills, suppliers and payments don't move."""
    with_notes = seeding.seed_company(name="A", bills=30, seed=5)
    monkeypatch.setattr(generator, "_credit_notes", lambda *args: 0)
    without = seeding.seed_company(name="B", bills=30, seed=5)
    assert without.books.credit_notes == 0
    for data_type in ("bills", "suppliers", "billPayments"):
        assert _ledger(with_notes, data_type) == _ledger(without, data_type), data_type


def test_credit_notes_list_page_query_order_and_detail_conform(api, seeded):
    path = company_path(seeded) + NOTES
    page = check(api.get(path, params={"pageSize": 2}), "GET", path)
    assert page["totalResults"] >= 3
    assert len(page["results"]) == 2
    second = check(api.get(path, params={"pageSize": 2, "page": 2}), "GET", path)
    assert {r["id"] for r in second["results"]}.isdisjoint({r["id"] for r in page["results"]})
    ordered = _all(api, seeded, orderBy="-totalAmount")
    amounts = [Decimal(str(r["totalAmount"])) for r in ordered]
    assert amounts == sorted(amounts, reverse=True)
    open_only = _all(api, seeded, query="remainingCredit>0&&metadata.isDeleted!=true")
    assert all(Decimal(str(r["remainingCredit"])) > 0 for r in open_only)
    for record in ordered:
        one = f"{path}/{record['id']}"
        body = check(api.get(one), "GET", one)
        assert body["id"] == record["id"]
        assert body["supplierRef"]["id"]
    missing = f"{path}/does-not-exist"
    assert api.get(missing).status_code == 404


def test_credit_note_options_conform_and_carry_the_platforms_limits(api, seeded, xero):
    path = f"{connection_path(seeded)}/options/billCreditNotes"
    tree = check(api.get(path), "GET", path)
    number = tree["properties"]["billCreditNoteNumber"]
    assert "21" in number["validation"]["warnings"][0]["details"]
    assert tree["properties"]["supplierRef"]["required"] is True
    currencies = [o["value"] for o in tree["properties"]["currency"]["options"]]
    assert currencies == ["USD", "GBP", "EUR", "CAD"]
    xero_tree = api.get(f"{connection_path(xero)}/options/billCreditNotes").body
    assert (
        "255"
        in xero_tree["properties"]["billCreditNoteNumber"]["validation"]["warnings"][0]["details"]
    )


def test_a_pushed_credit_note_lands_in_the_books_then_in_the_cache(api, seeded, clock):
    supplier, account = _usable_supplier(api, seeded), _expense(api, seeded)
    path = f"{connection_path(seeded)}/push/billCreditNotes"
    pending = check(api.post(path, _body(supplier, account)), "POST", path)
    assert pending["status"] == "Pending"
    assert pending["dataType"] == "billCreditNotes"
    clock.advance(2)
    key = pending["pushOperationKey"]
    done = check(
        api.get(f"{company_path(seeded)}/push/{key}"),
        "GET",
        f"{company_path(seeded)}/push/{key}",
    )
    assert done["status"] == "Success", done
    record_id = done["changes"][0]["recordRef"]["id"]
    assert done["changes"][0]["recordRef"]["dataType"] == "billCreditNotes"
    ledger = store.ledger_get(seeded.company, "billCreditNotes", record_id)
    assert ledger["remainingCredit"] == Decimal("80.00")
    assert ledger["status"] == "Submitted"
    assert ledger["supplierRef"]["supplierName"] == supplier["supplierName"]
    # Not in Codat's cache until the next read of the type.
    assert api.get(f"{company_path(seeded)}{NOTES}/{record_id}").status_code == 404
    api.post(company_path(seeded) + "/data/queue/billCreditNotes")
    clock.advance(3)
    cached = api.get(f"{company_path(seeded)}{NOTES}/{record_id}").body
    assert cached["billCreditNoteNumber"] == "CN-NEW-1"
    assert Decimal(str(cached["remainingCredit"])) == Decimal("80.00")


@pytest.mark.parametrize(
    ("overrides", "item_id"),
    [
        ({"supplierRef": {"id": "nope"}}, "supplierRef.id"),
        ({"supplierRef": None}, "supplierRef.id"),
        ({"currency": "JPY"}, "currency"),
        ({"billCreditNoteNumber": "X" * 22}, "billCreditNoteNumber"),
        ({"totalAmount": Decimal("81.00")}, "totalAmount"),
        ({"subTotal": Decimal("70.00"), "totalAmount": Decimal("70.00")}, "lineItems"),
        ({"lineItems": []}, "lineItems"),
        ({"status": "Paid"}, "status"),
        ({"issueDate": None}, "issueDate"),
    ],
)
def test_an_invalid_credit_note_fails_with_codats_validation(
    api, seeded, clock, overrides, item_id
):
    supplier, account = _usable_supplier(api, seeded), _expense(api, seeded)
    body = _body(supplier, account, **overrides)
    _pending, done = push(api, seeded, "/push/billCreditNotes", body, clock)
    assert done["status"] == "Failed"
    assert done["statusCode"] == 400
    assert item_id in [item["itemId"] for item in done["validation"]["errors"]]
    spec.validate("GET", f"{company_path(seeded)}/push/{done['pushOperationKey']}", 200, done)


def test_a_malformed_credit_note_fails_without_breaking_the_company(api, seeded, clock):
    _pending, done = push(
        api, seeded, "/push/billCreditNotes", {"lineItems": "nope", "totalAmount": "x"}, clock
    )
    assert done["status"] == "Failed"
    assert api.get(company_path(seeded) + NOTES).status_code == 200


@pytest.fixture
def without_credit_notes(db, clock):
    """A company on a platform that has no bill credit notes."""
    return seeding.seed_company(name="Sage Co", platform_key="pdvj", bills=20, seed=2)


def test_a_platform_without_credit_notes_says_so_everywhere(api, without_credit_notes, clock):
    seeded = without_credit_notes
    assert seeded.books.credit_notes == 0
    base = company_path(seeded)
    status = api.get(base + "/dataStatus").body
    assert status["billCreditNotes"]["currentStatus"] == "NotSupported"
    read = api.get(base + NOTES)
    assert read.status_code == 404
    assert "not supported" in read.body["error"]
    assert api.get(base + "/data/bills").status_code == 200
    assert api.get(f"{connection_path(seeded)}/options/billCreditNotes").status_code == 404
    supplier, account = _usable_supplier(api, seeded), _expense(api, seeded)
    pushed = api.post(
        f"{connection_path(seeded)}/push/billCreditNotes",
        _body(supplier, account, currency="GBP"),
    )
    assert pushed.status_code == 404
    # A read asked for later ends NotSupported too (Codat counts it as finished, not failed).
    api.post(base + "/data/queue/billCreditNotes")
    clock.advance(3)
    assert api.get(base + "/dataStatus").body["billCreditNotes"]["currentStatus"] == (
        "NotSupported"
    )
