"""The client and the sandbox together, over real HTTP (live_server): the whole Codat journey."""

import uuid
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from billpay.codat import get_codat_client
from billpay.sandbox.models import SandboxCacheRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def codat(sandbox):
    with get_codat_client() as client:
        yield client


@pytest.fixture
def linked(codat, settings):
    """company → connection → consent page (Approve) → first read complete."""
    settings.SANDBOX_DEFAULT_BILLS = 1000
    company = codat.create_company(name="Client Journey Ltd")
    connection = codat.create_connection(company_id=company.id, platform_key="qhyg")
    assert connection.status == "PendingAuth"
    link = urlsplit(connection.link_url)
    assert Client().post(link.path, {"action": "approve"}).status_code == 302
    assert (
        codat.get_connection(company_id=company.id, connection_id=connection.id).status == "Linked"
    )
    statuses = codat.get_data_status(company_id=company.id)
    assert statuses["bills"].current_status == "Complete"
    return company, connection


def _open_bill(codat, company_id: str):
    return next(
        codat.list_bills(
            company_id=company_id,
            query="status=Open&&amountDue>100&&metadata.isDeleted!=true",
            page_size=10,
        )
    )


def _bank_account(codat, company_id: str, currency: str):
    return next(
        a
        for a in codat.list_accounts(company_id=company_id, query="isBankAccount=true")
        if a.currency == currency and a.status == "Active"
    )


def _payment(bill, account, amount: Decimal, **overrides) -> dict:
    body = {
        "supplierRef": {"id": bill.supplier_ref.id},
        "accountRef": {"id": account.id},
        "totalAmount": amount,
        "currency": bill.currency,
        "currencyRate": Decimal("1"),
        # Today: the demo books are dated around today, so a bill may have been issued days ago.
        "date": f"{timezone.localdate().isoformat()}T00:00:00",
        "reference": "BP-TEST-1",
        "lines": [
            {"amount": amount, "links": [{"type": "Bill", "id": bill.id, "amount": -amount}]}
        ],
    }
    return body | overrides


def _push_and_wait(codat, company, connection, body) -> object:
    operation = codat.create_bill_payment(
        company_id=company.id,
        connection_id=connection.id,
        bill_payment=body,
        idempotency_key=str(uuid.uuid4()),
    )
    assert operation.status == "Pending"
    for _ in range(50):
        operation = codat.get_push_operation(
            company_id=company.id, push_operation_key=operation.push_operation_key
        )
        if operation.status != "Pending":
            return operation
    raise AssertionError("the push never completed")


@pytest.mark.parametrize("page_size", [100, 5000])
def test_paging_through_1000_bills(codat, linked, page_size):
    company, _ = linked

    bills = list(codat.list_bills(company_id=company.id, page_size=page_size))

    # The 1,000 seeded bills less those deleted before Codat's first read, which it never serves.
    cached = SandboxCacheRecord.objects.filter(company_id=company.id, data_type="bills").count()
    assert len(bills) == cached > 900
    assert len({b.id for b in bills}) == cached
    assert codat.request_counts["GET /companies/{companyId}/data/bills"] == -(-cached // page_size)
    assert all(isinstance(b.amount_due, Decimal) for b in bills)


def test_paying_a_bill_lowers_its_amount_due_after_a_refresh(codat, linked):
    company, connection = linked
    bill = _open_bill(codat, company.id)
    account = _bank_account(codat, company.id, bill.currency)

    operation = _push_and_wait(
        codat, company, connection, _payment(bill, account, Decimal("100.00"))
    )
    assert operation.status == "Success", operation.validation
    assert operation.record_id

    stale = codat.get_bill(company_id=company.id, bill_id=bill.id)
    assert stale.amount_due == bill.amount_due  # Codat's cache catches up only on a refresh
    codat.refresh_data_type(company_id=company.id, data_type="bills")
    for _ in range(50):
        fresh = codat.get_bill(company_id=company.id, bill_id=bill.id)
        if fresh.amount_due != bill.amount_due:
            break
    assert fresh.amount_due == bill.amount_due - Decimal("100.00")
    assert fresh.status == "PartiallyPaid"
    codat.refresh_data_type(company_id=company.id, data_type="billPayments")
    for _ in range(50):
        payments = list(
            codat.list_bill_payments(company_id=company.id, query="reference=BP-TEST-1")
        )
        if payments:
            break
    assert [p.id for p in payments] == [operation.record_id]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("overpay", "exceeds"),
        ("other_supplier", "supplier"),
        ("unknown_account", "account"),
        ("currency", "currency"),
        ("zero", "greater than zero"),
        ("lines_mismatch", "add up"),
    ],
)
def test_each_failure_rule_returns_failed_with_a_readable_message(codat, linked, change, message):
    company, connection = linked
    bill = _open_bill(codat, company.id)
    account = _bank_account(codat, company.id, bill.currency)
    amount = Decimal("10.00")
    body = _payment(bill, account, amount)
    match change:
        case "overpay":
            too_much = bill.amount_due + 1
            body = _payment(bill, account, too_much)
        case "other_supplier":
            other = next(
                s
                for s in codat.list_suppliers(company_id=company.id)
                if s.id != bill.supplier_ref.id
            )
            body["supplierRef"] = {"id": other.id}
        case "unknown_account":
            body["accountRef"] = {"id": "no-such-account"}
        case "currency":
            body["currency"] = "JPY"
        case "zero":
            body = _payment(bill, account, Decimal("0"))
        case "lines_mismatch":
            body["totalAmount"] = amount + 1

    operation = _push_and_wait(codat, company, connection, body)

    assert operation.status == "Failed"
    text = " ".join(
        [operation.error_message or "", *(v.message or "" for v in operation.validation.errors)]
    )
    assert message in text.lower()


def test_a_void_bill_cannot_be_paid(codat, linked):
    company, connection = linked
    bill = next(
        codat.list_bills(
            company_id=company.id, query="status=Void&&metadata.isDeleted!=true", page_size=10
        )
    )
    account = _bank_account(codat, company.id, bill.currency)

    operation = _push_and_wait(codat, company, connection, _payment(bill, account, Decimal("1.00")))

    assert operation.status == "Failed"


def test_the_same_idempotency_key_replays_the_first_answer(codat, linked):
    company, connection = linked
    bill = _open_bill(codat, company.id)
    body = _payment(bill, _bank_account(codat, company.id, bill.currency), Decimal("5.00"))
    key = str(uuid.uuid4())

    first = codat.create_bill_payment(
        company_id=company.id, connection_id=connection.id, bill_payment=body, idempotency_key=key
    )
    again = codat.create_bill_payment(
        company_id=company.id, connection_id=connection.id, bill_payment=body, idempotency_key=key
    )

    assert first.push_operation_key == again.push_operation_key
