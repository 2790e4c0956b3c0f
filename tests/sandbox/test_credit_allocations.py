"""Credit notes set against bills through bill payments (CODAT.md §8 "Credit note against bill").

QBO and Xero: the credit is its own bill payment with `totalAmount: 0`; cash for the rest is a
second one. NetSuite (and the default profile): credit and cash in one. MYOB: not supported.
"""

from decimal import Decimal

import pytest

from billpay.sandbox import seeding, store
from tests.sandbox.test_push import bank, open_bill, payment, push

D = Decimal
NONE = D("0")


def _note(seeded, bill: dict, credit, *, note_id="CN-1", currency=None, supplier=None, **extra):
    """A credit note in the books for the bill's supplier, with `credit` remaining."""
    data = {
        "billCreditNoteNumber": note_id,
        "supplierRef": {"id": supplier or bill["supplierRef"]["id"]},
        "totalAmount": D(credit),
        "subTotal": D(credit),
        "totalTaxAmount": D("0"),
        "totalDiscount": D("0"),
        "discountPercentage": D("0"),
        "remainingCredit": D(credit),
        "status": "Submitted",
        "issueDate": "2026-11-01T00:00:00",
        "currency": currency or bill["currency"],
        "lineItems": [],
        **extra,
    }
    return store.ledger_put(seeded.company, "billCreditNotes", note_id, data)


def _allocation(bill: dict, note: dict, credit, cash=NONE, account=None) -> dict:
    """A bill payment setting `credit` of the note against the bill, plus `cash` (one line)."""
    body = payment(bill, account or {"id": ""}, cash)
    if account is None:
        body.pop("accountRef")
    body["lines"] = [
        {
            "amount": cash,
            "links": [
                {"type": "Bill", "id": bill["id"], "amount": -(D(credit) + cash)},
                {"type": "CreditNote", "id": note["id"], "amount": D(credit)},
            ],
        }
    ]
    return body


def _ledger(seeded, data_type, record_id):
    return store.ledger_get(seeded.company, data_type, record_id)


def _messages(done: dict) -> str:
    return " | ".join(e["message"] for e in done["validation"]["errors"])


def test_quickbooks_allocates_credit_then_takes_cash_in_a_second_payment(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    due = _ledger(seeded, "bills", bill["id"])["amountDue"]
    note = _note(seeded, bill, "30.00")
    _p, done = push(api, seeded, "/push/billPayments", _allocation(bill, note, "30.00"), clock)
    assert done["status"] == "Success", done["validation"]
    ledger_bill = _ledger(seeded, "bills", bill["id"])
    assert ledger_bill["amountDue"] == due - D("30.00")
    assert ledger_bill["status"] == "PartiallyPaid"
    ledger_note = _ledger(seeded, "billCreditNotes", note["id"])
    assert ledger_note["remainingCredit"] == D("0")
    assert ledger_note["status"] == "Paid"
    assert ledger_note["allocatedOnDate"] == "2026-11-20T00:00:00"
    record = _ledger(seeded, "billPayments", done["changes"][0]["recordRef"]["id"])
    assert record["totalAmount"] == 0 and "accountRef" not in record

    cash = payment(bill, bank(api, seeded, "USD"), due - D("30.00"), reference="BP-0002")
    _p, done = push(api, seeded, "/push/billPayments", cash, clock)
    assert done["status"] == "Success", done["validation"]
    ledger_bill = _ledger(seeded, "bills", bill["id"])
    assert ledger_bill["amountDue"] == D("0") and ledger_bill["status"] == "Paid"


def test_quickbooks_refuses_cash_and_credit_in_one_payment(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    due = _ledger(seeded, "bills", bill["id"])["amountDue"]
    note = _note(seeded, bill, "10.00")
    body = _allocation(bill, note, "10.00", D("5.00"), account=bank(api, seeded, "USD"))
    _p, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert "totalAmount 0" in _messages(done)
    assert _ledger(seeded, "bills", bill["id"])["amountDue"] == due
    assert _ledger(seeded, "billCreditNotes", note["id"])["remainingCredit"] == D("10.00")


def test_a_partly_used_note_is_partially_paid_and_deleting_the_payment_gives_it_back(
    api, seeded, clock
):
    bill = open_bill(api, seeded, "USD")
    note = _note(seeded, bill, "50.00")
    _p, done = push(api, seeded, "/push/billPayments", _allocation(bill, note, "20.00"), clock)
    assert done["status"] == "Success", done["validation"]
    ledger_note = _ledger(seeded, "billCreditNotes", note["id"])
    assert (ledger_note["remainingCredit"], ledger_note["status"]) == (D("30.00"), "PartiallyPaid")
    record_id = done["changes"][0]["recordRef"]["id"]
    _p, gone = push(api, seeded, f"/push/billPayments/{record_id}", None, clock, method="DELETE")
    assert gone["status"] == "Success", gone["validation"]
    ledger_note = _ledger(seeded, "billCreditNotes", note["id"])
    assert (ledger_note["remainingCredit"], ledger_note["status"]) == (D("50.00"), "Submitted")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("too_much", "exceeds credit note CN-1's remainingCredit of 10.00"),
        ("other_supplier", "belongs to supplier"),
        ("other_currency", "is in EUR"),
        ("void", "is Void and has no credit"),
        ("unknown", "Credit note CN-404 does not exist"),
        ("negative", "must be positive"),
        ("unbalanced", "must sum to zero"),
    ],
)
def test_credit_allocation_rules_fail_with_codat_like_messages(api, seeded, clock, case, expected):
    bill = open_bill(api, seeded, "USD")
    due = _ledger(seeded, "bills", bill["id"])["amountDue"]
    extra = {"status": "Void"} if case == "void" else {}
    note = _note(
        seeded,
        bill,
        "10.00",
        currency="EUR" if case == "other_currency" else None,
        supplier="someone-else" if case == "other_supplier" else None,
        **extra,
    )
    body = _allocation(bill, note, "15.00" if case == "too_much" else "10.00")
    links = body["lines"][0]["links"]
    if case == "unknown":
        links[1]["id"] = "CN-404"
    if case == "negative":
        links[1]["amount"] = D("-10.00")
    if case == "unbalanced":
        links[0]["amount"] = D("-12.00")
    _p, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Failed" and done["statusCode"] == 400
    assert expected in _messages(done)
    assert _ledger(seeded, "bills", bill["id"])["amountDue"] == due


def test_two_allocations_of_one_note_cannot_use_more_than_remains(api, seeded, clock):
    bill = open_bill(api, seeded, "USD")
    note = _note(seeded, bill, "10.00")
    _p, first = push(api, seeded, "/push/billPayments", _allocation(bill, note, "8.00"), clock)
    assert first["status"] == "Success", first["validation"]
    body = {**_allocation(bill, note, "8.00"), "reference": "BP-0002"}
    _p, second = push(api, seeded, "/push/billPayments", body, clock)
    assert second["status"] == "Failed"
    assert "remainingCredit of 2.00" in _messages(second)


def test_xero_needs_one_line_with_one_bill_and_one_credit_note(api, xero, clock):
    bill = open_bill(api, xero, "GBP")
    due = _ledger(xero, "bills", bill["id"])["amountDue"]
    note = _note(xero, bill, "12.00")
    two_lines = _allocation(bill, note, "6.00")
    two_lines["lines"].append(_allocation(bill, note, "6.00")["lines"][0])
    _p, done = push(api, xero, "/push/billPayments", two_lines, clock)
    assert done["status"] == "Failed"
    assert "single line with two links" in _messages(done)

    _p, done = push(api, xero, "/push/billPayments", _allocation(bill, note, "12.00"), clock)
    assert done["status"] == "Success", done["validation"]
    assert _ledger(xero, "bills", bill["id"])["amountDue"] == due - D("12.00")
    assert _ledger(xero, "billCreditNotes", note["id"])["status"] == "Paid"


def test_xero_refuses_a_partial_cash_payment_with_a_credit_note(api, xero, clock):
    bill = open_bill(api, xero, "GBP")
    note = _note(xero, bill, "12.00")
    body = _allocation(bill, note, "12.00", D("3.00"), account=bank(api, xero, "GBP"))
    _p, done = push(api, xero, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert "Xero requires a credit note allocation to be its own bill payment" in _messages(done)


@pytest.fixture
def netsuite(db, clock):
    return seeding.seed_company(name="Big Co", platform_key="akxx", bills=20, seed=5)


def test_netsuite_takes_credit_and_cash_in_one_payment(api, netsuite, clock):
    bill = open_bill(api, netsuite, "USD")
    due = _ledger(netsuite, "bills", bill["id"])["amountDue"]
    note = _note(netsuite, bill, "10.00")
    cash = due - D("10.00")
    body = _allocation(bill, note, "10.00", cash, account=bank(api, netsuite, "USD"))
    body["totalAmount"] = cash
    body["date"] = "2027-12-31T00:00:00"  # after every generated bill
    _p, done = push(api, netsuite, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]
    ledger_bill = _ledger(netsuite, "bills", bill["id"])
    assert (ledger_bill["amountDue"], ledger_bill["status"]) == (D("0"), "Paid")
    assert _ledger(netsuite, "billCreditNotes", note["id"])["remainingCredit"] == D("0")


@pytest.fixture
def myob(db, clock):
    return seeding.seed_company(name="Aussie Co", platform_key="myob", bills=10, seed=4)


def test_myob_does_not_support_credit_notes_in_bill_payments(api, myob, clock):
    bill = open_bill(api, myob)
    note = _note(myob, bill, "5.00")
    _p, done = push(api, myob, "/push/billPayments", _allocation(bill, note, "5.00"), clock)
    assert done["status"] == "Failed"
    assert "does not support allocating credit notes" in _messages(done)


def test_the_allocation_and_the_used_note_read_back_as_the_spec_says(api, seeded, clock):
    from tests.sandbox import spec
    from tests.sandbox.conftest import company_path

    bill = open_bill(api, seeded, "USD")
    note = _note(seeded, bill, "30.00")
    _p, done = push(api, seeded, "/push/billPayments", _allocation(bill, note, "12.00"), clock)
    assert done["status"] == "Success", done["validation"]
    for data_type in ("billCreditNotes", "billPayments"):
        assert api.post(f"{company_path(seeded)}/data/queue/{data_type}").status_code == 200
    clock.advance(3)

    path = f"{company_path(seeded)}/data/billCreditNotes/{note['id']}"
    read = api.get(path)
    assert read.status_code == 200, read.content
    spec.validate("GET", path, 200, read.body)
    assert read.body["remainingCredit"] == D("18.00")
    assert read.body["status"] == "PartiallyPaid"
    assert read.body["paymentAllocations"][0]["allocation"]["totalAmount"] == D("12.00")
    record = done["changes"][0]["recordRef"]["id"]
    path = f"{company_path(seeded)}/data/billPayments/{record}"
    read = api.get(path)
    assert read.status_code == 200, read.content
    spec.validate("GET", path, 200, read.body)
