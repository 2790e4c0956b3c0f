import pytest

from billpay.sandbox import profiles, seeding, store
from tests.sandbox.conftest import company_path, connection_path
from tests.sandbox.test_push import bank, open_bill, payment, push


@pytest.fixture
def netsuite(db, clock):
    return seeding.seed_company(name="Suite Co", platform_key="akxx", bills=20, seed=5)


def _options(api, seeded, data_type):
    return api.get(f"{connection_path(seeded)}/options/{data_type}").body


def test_options_differ_between_platforms(api, seeded, xero):
    qbo = _options(api, seeded, "bankAccounts")["properties"]
    xro = _options(api, xero, "bankAccounts")["properties"]
    assert [o["value"] for o in qbo["accountType"]["options"]] == ["Debit", "Credit"]
    assert [o["value"] for o in xro["accountType"]["options"]] == ["Debit"]
    assert [o["value"] for o in qbo["currency"]["options"]] != [
        o["value"] for o in xro["currency"]["options"]
    ]
    assert xro["accountNumber"]["required"] is True
    assert qbo["accountNumber"]["required"] is False


def test_options_describe_length_limits(api, seeded):
    reference = _options(api, seeded, "billPayments")["properties"]["reference"]
    assert reference["validation"]["warnings"][0]["details"] == "Max length of 21 characters."


def test_unknown_options_data_type_is_404(api, seeded):
    assert api.get(f"{connection_path(seeded)}/options/widgets").status_code == 404


def test_xero_cannot_create_credit_bank_accounts_but_quickbooks_can(api, seeded, xero, clock):
    card = {
        "accountName": "Company card",
        "accountType": "Credit",
        "currency": "GBP",
        "accountNumber": "1234",
    }
    _p, on_xero = push(api, xero, "/push/bankAccounts", card, clock)
    assert on_xero["status"] == "Failed"
    assert "cannot create Credit" in on_xero["validation"]["errors"][0]["message"]
    _p, on_qbo = push(api, seeded, "/push/bankAccounts", {**card, "currency": "USD"}, clock)
    assert on_qbo["status"] == "Success"
    account_id = on_qbo["changes"][0]["recordRef"]["id"]
    api.post(company_path(seeded) + "/data/queue/chartOfAccounts")
    clock.advance(3)
    account = api.get(f"{company_path(seeded)}/data/accounts/{account_id}").body
    assert account["isBankAccount"] is True
    assert account["type"] == "Liability"


def test_currencies_allowed_differ(api, seeded, xero, clock):
    body = {
        "accountName": "Loonie",
        "accountType": "Debit",
        "currency": "CAD",
        "accountNumber": "9",
    }
    assert push(api, seeded, "/push/bankAccounts", body, clock)[1]["status"] == "Success"
    _p, done = push(api, xero, "/push/bankAccounts", body, clock)
    assert done["status"] == "Failed"
    assert "not enabled on Xero" in done["validation"]["errors"][0]["message"]


def test_reference_length_limits_differ(api, seeded, xero, clock):
    long_ref = "R" * 40
    qbo_bill = open_bill(api, seeded, "USD")
    _p, qbo = push(
        api,
        seeded,
        "/push/billPayments",
        payment(qbo_bill, bank(api, seeded, "USD"), reference=long_ref),
        clock,
    )
    assert qbo["status"] == "Failed"
    assert "21 characters" in qbo["validation"]["errors"][0]["message"]
    xero_bill = open_bill(api, xero, "GBP")
    _p, xro = push(
        api,
        xero,
        "/push/billPayments",
        payment(xero_bill, bank(api, xero, "GBP"), reference=long_ref),
        clock,
    )
    assert xro["status"] == "Success", xro["validation"]


def test_netsuite_requires_a_reference_on_bill_payments(api, netsuite, clock):
    bill = open_bill(api, netsuite, "USD")
    body = payment(bill, bank(api, netsuite, "USD"))
    del body["reference"]
    _p, done = push(api, netsuite, "/push/billPayments", body, clock)
    assert done["status"] == "Failed"
    assert "reference is required by Oracle NetSuite" in done["validation"]["errors"][0]["message"]


def test_xero_voids_bills_instead_of_deleting_them(api, xero, clock):
    bill = open_bill(api, xero, "GBP")
    _p, done = push(api, xero, f"/push/bills/{bill['id']}", None, clock, method="DELETE")
    assert done["changes"][0]["type"] == "Modified"
    from billpay.sandbox import store

    assert store.ledger_get(xero.company, "bills", bill["id"])["status"] == "Void"


def test_xero_uses_guid_ids_and_quickbooks_numbers(api, seeded, xero):
    qbo = api.get(company_path(seeded) + "/data/bills").body["results"][0]["id"]
    xro = api.get(company_path(xero) + "/data/bills").body["results"][0]["id"]
    assert qbo.isdigit()
    assert len(xro) == 36


def test_unknown_platform_keys_get_the_default_profile():
    profile = profiles.get_profile("zzzz")
    assert profile.key == "zzzz"
    assert profile.currencies == profiles.DEFAULT_PROFILE.currencies
    assert profiles.get_profile("fbrh").name == "FreeAgent"


def test_only_xero_takes_a_bill_payment_without_supplier_and_only_in_its_base_currency(
    api, seeded, xero, clock
):
    """CODAT.md §8: "Batch across suppliers: Xero only; omit supplierRef"; the spec's Xero
    options/billPayments: a batch payment must be in the company's base currency."""
    qbo_body = payment(open_bill(api, seeded, "USD"), bank(api, seeded, "USD"))
    del qbo_body["supplierRef"]
    _p, qbo = push(api, seeded, "/push/billPayments", qbo_body, clock)
    assert qbo["status"] == "Failed"
    assert "supplierRef.id is required by QuickBooks Online" in str(qbo["validation"])

    usd_body = payment(open_bill(api, xero, "USD"), bank(api, xero, "USD"))
    del usd_body["supplierRef"]
    _p, usd = push(api, xero, "/push/billPayments", usd_body, clock)
    assert usd["status"] == "Failed"
    assert "base currency (GBP)" in str(usd["validation"])

    gbp_bill = open_bill(api, xero, "GBP")
    gbp_body = payment(gbp_bill, bank(api, xero, "GBP"))
    del gbp_body["supplierRef"]
    _p, gbp = push(api, xero, "/push/billPayments", gbp_body, clock)
    assert gbp["status"] == "Success", gbp["validation"]
    record = store.ledger_get(xero.company, "billPayments", gbp["changes"][0]["recordRef"]["id"])
    # Bills of one supplier: the payment is recorded under it (several: under none).
    assert record["supplierRef"]["id"] == gbp_bill["supplierRef"]["id"]


def test_the_xero_options_do_not_require_a_supplier_on_bill_payments(api, seeded, xero):
    assert _options(api, xero, "billPayments")["properties"]["supplierRef"]["required"] is False
    assert _options(api, seeded, "billPayments")["properties"]["supplierRef"]["required"] is True
