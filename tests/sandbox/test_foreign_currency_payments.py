"""A bill in a foreign currency paid from a base-currency account (CODAT.md §7 BillPayment)."""

from decimal import Decimal

import pytest

from billpay.sandbox import seeding, store
from tests.sandbox.conftest import company_path
from tests.sandbox.test_push import bank, open_bill, payment, push


def _foreign_bill(api, seeded, clock, currency: str) -> dict:
    """An open bill of the base currency, changed in the books to `currency` and re-read."""
    base = seeded.company.base_currency
    bill = open_bill(api, seeded, base)
    data = store.ledger_get(seeded.company, "bills", bill["id"])
    store.ledger_put(seeded.company, "bills", bill["id"], {**data, "currency": currency})
    api.post(company_path(seeded) + "/data/queue/bills")
    clock.advance(3)
    return api.get(f"{company_path(seeded)}/data/bills/{bill['id']}").body


def _in_base(bill: dict, account: dict, paid: Decimal, rate: Decimal, amount: Decimal) -> dict:
    """Pay `paid` of the bill (its currency) with `amount` in the account's (base) currency."""
    body = payment(bill, account, amount, currency=account["currency"], currencyRate=1)
    body["lines"] = [
        {
            "amount": amount,
            "links": [{"type": "Bill", "id": bill["id"], "amount": -paid, "currencyRate": rate}],
        }
    ]
    return body


def _messages(done: dict) -> str:
    return " | ".join(error["message"] for error in done["validation"]["errors"])


def test_quickbooks_pays_a_eur_bill_from_a_usd_account(api, seeded, clock):
    bill = _foreign_bill(api, seeded, clock, "EUR")
    due = store.ledger_get(seeded.company, "bills", bill["id"])["amountDue"]
    # 100.00 USD at 0.9237 EUR per USD settles 92.37 EUR of the bill.
    body = _in_base(
        bill, bank(api, seeded, "USD"), Decimal("92.37"), Decimal("0.9237"), Decimal("100.00")
    )
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]
    ledger = store.ledger_get(seeded.company, "bills", bill["id"])
    assert ledger["amountDue"] == due - Decimal("92.37")
    assert ledger["status"] == "PartiallyPaid"
    allocation = ledger["paymentAllocations"][-1]
    assert allocation["allocation"] == {
        "currency": "EUR",
        "currencyRate": Decimal("0.9237"),
        "allocatedOnDate": body["date"],
        "totalAmount": Decimal("92.37"),
    }
    assert allocation["payment"]["currency"] == "USD"
    assert allocation["payment"]["totalAmount"] == Decimal("100.00")
    recorded = store.ledger_get(
        seeded.company, "billPayments", done["changes"][0]["recordRef"]["id"]
    )
    assert recorded["currency"] == "USD"


def test_paying_the_whole_amount_due_in_the_base_currency_settles_the_bill(api, seeded, clock):
    bill = _foreign_bill(api, seeded, clock, "EUR")
    due = bill["amountDue"]
    rate = Decimal("0.8")
    body = _in_base(
        bill, bank(api, seeded, "USD"), due, rate, (due / rate).quantize(Decimal("0.01"))
    )
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]
    ledger = store.ledger_get(seeded.company, "bills", bill["id"])
    assert ledger["amountDue"] == Decimal("0")
    assert ledger["status"] == "Paid"


def test_xero_pays_a_usd_bill_from_a_gbp_account(api, xero, clock):
    bill = _foreign_bill(api, xero, clock, "USD")
    due = bill["amountDue"]
    body = _in_base(
        bill, bank(api, xero, "GBP"), Decimal("12.70"), Decimal("1.27"), Decimal("10.00")
    )
    _pending, done = push(api, xero, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]
    assert store.ledger_get(xero.company, "bills", bill["id"])["amountDue"] == due - Decimal(
        "12.70"
    )


def test_the_payment_level_rate_is_used_when_the_link_has_none(api, seeded, clock):
    bill = _foreign_bill(api, seeded, clock, "EUR")
    body = _in_base(bill, bank(api, seeded, "USD"), Decimal("40.00"), Decimal("1"), Decimal("50"))
    del body["lines"][0]["links"][0]["currencyRate"]
    body["currencyRate"] = Decimal("0.8")
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]


def test_a_line_that_does_not_match_its_link_at_the_rate_fails(api, seeded, clock):
    bill = _foreign_bill(api, seeded, clock, "EUR")
    body = _in_base(
        bill, bank(api, seeded, "USD"), Decimal("92.37"), Decimal("0.5"), Decimal("100.00")
    )
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert "does not match its bill links converted at their currencyRate" in _messages(done)
    assert store.ledger_get(seeded.company, "bills", bill["id"])["amountDue"] == bill["amountDue"]


def test_a_foreign_bill_paid_in_the_base_currency_needs_a_rate(api, seeded, clock):
    bill = _foreign_bill(api, seeded, clock, "EUR")
    body = _in_base(bill, bank(api, seeded, "USD"), Decimal("40"), Decimal("1"), Decimal("40"))
    del body["lines"][0]["links"][0]["currencyRate"]
    del body["currencyRate"]
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert "A currencyRate is required to pay a EUR bill in USD." in _messages(done)


def test_a_third_currency_is_refused_in_codats_words(api, seeded, clock):
    bill = _foreign_bill(api, seeded, clock, "EUR")
    body = _in_base(
        bill, bank(api, seeded, "GBP"), Decimal("40"), Decimal("0.85"), Decimal("47.06")
    )
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert done["statusCode"] == 400
    assert done["errorMessage"]
    assert (
        "It is not possible to perform the currency conversion with two or more non-base "
        "currencies participating in the transaction: a EUR bill must be paid in USD or EUR, "
        "not GBP."
    ) in _messages(done)
    assert store.ledger_get(seeded.company, "bills", bill["id"])["amountDue"] == bill["amountDue"]


@pytest.fixture
def netsuite(db, clock):
    return seeding.seed_company(name="Suite Co", platform_key="akxx", bills=20, seed=4)


def test_a_platform_without_the_feature_refuses_a_base_currency_payment(api, netsuite, clock):
    bill = _foreign_bill(api, netsuite, clock, "EUR")
    body = _in_base(bill, bank(api, netsuite, "USD"), Decimal("40"), Decimal("0.8"), Decimal("50"))
    body["reference"] = "location-1"
    _pending, done = push(api, netsuite, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert "Oracle NetSuite cannot pay a EUR bill in USD; pay it in EUR." in _messages(done)


def test_a_eur_bill_paid_in_eur_still_works(api, seeded, clock):
    bill = _foreign_bill(api, seeded, clock, "EUR")
    body = payment(bill, bank(api, seeded, "EUR"), Decimal("10.00"))
    _pending, done = push(api, seeded, "/push/billPayments", body, clock)
    assert done["status"] == "Success", done["validation"]
    ledger = store.ledger_get(seeded.company, "bills", bill["id"])
    assert ledger["amountDue"] == bill["amountDue"] - Decimal("10.00")
