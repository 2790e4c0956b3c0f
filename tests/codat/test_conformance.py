"""Requests the client builds must be what Codat's OpenAPI spec accepts, and Codat's own
response examples must decode. The spec is read from ../shared/codat, never copied here."""

import email.parser
import json
import re
from decimal import Decimal

import pytest
from openapi_schema_validator import OAS30WriteValidator

from billpay.codat import serialize
from billpay.codat.schemas import (
    Account,
    Bill,
    BillCreditNote,
    BillPayment,
    Connection,
    Supplier,
)
from tests.codat.payloads import COMPANY_ID, CONNECTION_ID, page, push_operation

IDS = {"company_id": COMPANY_ID, "connection_id": CONNECTION_ID}
SPEC_PUSH = "/companies/{companyId}/connections/{connectionId}/push"

BILL = {
    "reference": "INV-2023-001",
    "supplierRef": {"id": "sup-1", "supplierName": "Acme Flour"},
    "issueDate": "2023-04-01T00:00:00",
    "dueDate": "2023-05-01T00:00:00",
    "currency": "GBP",
    "currencyRate": Decimal("1"),
    "status": "Open",
    "subTotal": Decimal("100.00"),
    "taxAmount": Decimal("20.00"),
    "totalAmount": Decimal("120.00"),
    "note": "April delivery",
    "lineItems": [
        {
            "description": "Flour, 25kg",
            "unitAmount": Decimal("25.00"),
            "quantity": Decimal("4"),
            "subTotal": Decimal("100.00"),
            "taxAmount": Decimal("20.00"),
            "totalAmount": Decimal("120.00"),
            "accountRef": {"id": "acc-purchases"},
            "taxRateRef": {"id": "tax-20"},
        }
    ],
}
SUPPLIER = {
    "supplierName": "Acme Flour",
    "contactName": "Jo Baker",
    "emailAddress": "jo@acme.example",
    "phone": "+44 20 7946 0000",
    "addresses": [
        {"type": "Billing", "line1": "1 Mill Lane", "city": "York", "postalCode": "YO1 1AA"}
    ],
    "status": "Active",
    "defaultCurrency": "GBP",
}
BANK_ACCOUNT = {
    "accountName": "Business Current Account",
    "accountType": "Debit",
    "nominalCode": "1200",
    "sortCode": "040004",
    "accountNumber": "12345678",
    "currency": "GBP",
    "institution": "Example Bank",
    "status": "Active",
}
BILL_PAYMENT = {
    "supplierRef": {"id": "sup-1"},
    "accountRef": {"id": "acc-bank"},
    "totalAmount": Decimal("135.85"),
    "currency": "GBP",
    "currencyRate": Decimal("1"),
    "date": "2023-04-17T00:00:00",
    "reference": "billpay-7f3a",
    "lines": [
        {
            "amount": Decimal("135.85"),
            "links": [{"type": "Bill", "id": "bill-1", "amount": Decimal("-135.85")}],
        }
    ],
}
BILL_CREDIT_NOTE = {
    "billCreditNoteNumber": "CN-2023-001",
    "supplierRef": {"id": "sup-1"},
    "issueDate": "2023-04-20T00:00:00",
    "currency": "GBP",
    "status": "Submitted",
    "subTotal": Decimal("25.00"),
    "totalTaxAmount": Decimal("5.00"),
    "totalDiscount": Decimal("0"),
    "discountPercentage": Decimal("0"),
    "totalAmount": Decimal("30.00"),
    "lineItems": [
        {
            "description": "Damaged sack returned",
            "unitAmount": Decimal("25.00"),
            "quantity": Decimal("1"),
            "subTotal": Decimal("25.00"),
            "taxAmount": Decimal("5.00"),
            "totalAmount": Decimal("30.00"),
            "accountRef": {"id": "acc-purchases"},
            "taxRateRef": {"id": "tax-20"},
        }
    ],
}

PUSHES = {
    "create_bill_credit_note": (
        "post",
        f"{SPEC_PUSH}/billCreditNotes",
        lambda c: c.create_bill_credit_note(
            **IDS, bill_credit_note=BILL_CREDIT_NOTE, idempotency_key="k"
        ),
    ),
    "create_bill": (
        "post",
        f"{SPEC_PUSH}/bills",
        lambda c: c.create_bill(**IDS, bill=BILL, idempotency_key="k"),
    ),
    "update_bill": (
        "put",
        f"{SPEC_PUSH}/bills/{{billId}}",
        lambda c: c.update_bill(**IDS, bill_id="b1", bill=BILL, idempotency_key="k"),
    ),
    "create_supplier": (
        "post",
        f"{SPEC_PUSH}/suppliers",
        lambda c: c.create_supplier(**IDS, supplier=SUPPLIER, idempotency_key="k"),
    ),
    "update_supplier": (
        "put",
        f"{SPEC_PUSH}/suppliers/{{supplierId}}",
        lambda c: c.update_supplier(
            **IDS, supplier_id="s1", supplier=SUPPLIER, idempotency_key="k"
        ),
    ),
    "create_bank_account": (
        "post",
        f"{SPEC_PUSH}/bankAccounts",
        lambda c: c.create_bank_account(**IDS, bank_account=BANK_ACCOUNT, idempotency_key="k"),
    ),
    "create_bill_payment": (
        "post",
        f"{SPEC_PUSH}/billPayments",
        lambda c: c.create_bill_payment(**IDS, bill_payment=BILL_PAYMENT, idempotency_key="k"),
    ),
    "create_company": (
        "post",
        "/companies",
        lambda c: c.create_company(name="Alpha Bakery", description="cust_42"),
    ),
    "create_connection": (
        "post",
        "/companies/{companyId}/connections",
        lambda c: c.create_connection(company_id=COMPANY_ID, platform_key="gbol"),
    ),
    "unlink_connection": (
        "patch",
        "/companies/{companyId}/connections/{connectionId}",
        lambda c: c.unlink_connection(**IDS),
    ),
}
# Writes to the books; company/connection management (also in PUSHES) takes an optional key.
PUSH_METHODS = {
    "create_bill",
    "create_bill_credit_note",
    "update_bill",
    "create_supplier",
    "update_supplier",
    "create_bank_account",
    "create_bill_payment",
}
DELETES = {
    "delete_bill": lambda c: c.delete_bill(**IDS, bill_id="b1", idempotency_key="k"),
    "delete_bill_payment": lambda c: c.delete_bill_payment(
        **IDS, bill_payment_id="p1", idempotency_key="k"
    ),
    "delete_bill_attachment": lambda c: c.delete_bill_attachment(
        **IDS, bill_id="b1", attachment_id="a1", idempotency_key="k"
    ),
    "upload_bill_attachment": lambda c: c.upload_bill_attachment(
        **IDS,
        bill_id="b1",
        filename="inv.pdf",
        content=b"%PDF",
        content_type="application/pdf",
        idempotency_key="k",
    ),
}


def _validator(spec, schema):
    # The operation's schema is a $ref into the spec: validate against the whole document
    # so every nested $ref resolves, with the spec's OpenAPI 3.0 rules (nullable, readOnly).
    return OAS30WriteValidator({**spec, **schema})


def _request_schema(spec, method, path, content_type="application/json"):
    return spec["paths"][path][method]["requestBody"]["content"][content_type]["schema"]


@pytest.fixture
def answer_all(mocked):
    """Any request gets a 200 that decodes as a record, a page or a push operation."""
    body = push_operation() | {"id": "x", "status": "Linked"} | page([])
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        mocked.add(method, re.compile(r"https://codat\.test/.*"), json=body)
    return mocked


@pytest.mark.parametrize("name", sorted(PUSHES))
def test_push_request_bodies_match_the_spec(name, codat, answer_all, spec):
    method, path, call = PUSHES[name]

    call(codat)

    body = json.loads(answer_all.calls[0].request.body)
    errors = list(_validator(spec, _request_schema(spec, method, path)).iter_errors(body))
    assert errors == []


@pytest.mark.parametrize("name", sorted(PUSHES) + sorted(DELETES))
def test_requests_go_to_paths_the_spec_defines(name, codat, answer_all, spec):
    call = PUSHES[name][2] if name in PUSHES else DELETES[name]

    call(codat)

    method, template = next(iter(codat.request_counts)).split(" ", 1)
    assert method.lower() in spec["paths"][template]


def test_every_push_sends_the_idempotency_key(codat, answer_all):
    pushes = [PUSHES[name][2] for name in sorted(PUSHES) if name in PUSH_METHODS]

    for call in [*pushes, *DELETES.values()]:
        call(codat)

    keys = [call.request.headers.get("Idempotency-Key") for call in answer_all.calls]
    assert keys == ["k"] * 11


def test_the_attachment_upload_matches_the_spec_multipart_schema(codat, answer_all, spec):
    DELETES["upload_bill_attachment"](codat)

    request = answer_all.calls[0].request
    raw = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode() + request.body
    parts = {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
        for part in email.parser.BytesParser().parsebytes(raw).get_payload()
    }
    schema = _request_schema(
        spec, "post", f"{SPEC_PUSH}/bills/{{billId}}/attachments", "multipart/form-data"
    )
    errors = list(_validator(spec, schema).iter_errors({"file": parts["file"].decode()}))
    assert errors == []


def test_the_validator_rejects_a_body_that_breaks_the_spec(spec):
    schema = _request_schema(spec, "post", f"{SPEC_PUSH}/billPayments")
    broken = serialize.loads(serialize.dumps({**BILL_PAYMENT, "lines": [{"links": []}]}))

    assert list(_validator(spec, schema).iter_errors(broken)) != []


@pytest.mark.parametrize(
    ("path", "record"),
    [
        ("/companies/{companyId}/data/bills/{billId}", Bill),
        ("/companies/{companyId}/data/suppliers/{supplierId}", Supplier),
        ("/companies/{companyId}/data/accounts/{accountId}", Account),
        ("/companies/{companyId}/data/billPayments/{billPaymentId}", BillPayment),
        ("/companies/{companyId}/data/billCreditNotes/{billCreditNoteId}", BillCreditNote),
        ("/companies/{companyId}/connections/{connectionId}", Connection),
    ],
)
def test_the_specs_response_examples_decode(path, record, spec):
    content = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    examples = [example["value"] for example in content.get("examples", {}).values()]

    decoded = [record.from_json(serialize.loads(json.dumps(value))) for value in examples]

    assert decoded
    assert all(item.id for item in decoded)
