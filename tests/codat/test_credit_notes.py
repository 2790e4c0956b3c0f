"""Codat's BillCreditNote read and decoded (exact amounts, hostile values), listed and fetched."""

import json
import re
from decimal import Decimal

import pytest

from billpay.codat import CodatInvalidResponseError, serialize
from billpay.codat.schemas import BillCreditNote
from tests.codat.payloads import COMPANY_ID, page

NOTE_JSON = """{
  "id": "cn-1", "billCreditNoteNumber": "CN-001", "status": "PartiallyPaid",
  "supplierRef": {"id": "sup-1", "supplierName": "Acme"},
  "issueDate": "2023-03-15T00:00:00", "allocatedOnDate": null,
  "currency": "GBP", "currencyRate": 1,
  "subTotal": 100.1234, "totalTaxAmount": 20.00, "totalDiscount": 0, "discountPercentage": 0,
  "totalAmount": 120.1234, "remainingCredit": 45.0001,
  "lineItems": [{"description": "Returned flour", "unitAmount": 100.1234, "quantity": 1,
                 "accountRef": {"id": "acc-1", "name": "Purchases"},
                 "taxRateRef": {"id": "tax-1", "effectiveTaxRate": 20.0}}],
  "paymentAllocations": [],
  "metadata": {"isDeleted": false},
  "modifiedDate": "2023-03-16T10:00:00.1234567Z",
  "sourceModifiedDate": "2023-03-15T09:00:00Z"
}"""


def _note(**changes) -> BillCreditNote:
    data = serialize.loads(NOTE_JSON)
    data.update(changes)
    return BillCreditNote.from_json(data)


def test_credit_note_amounts_are_exact_decimals():
    note = _note()

    assert note.total_amount == Decimal("120.1234")
    assert note.remaining_credit == Decimal("45.0001")
    assert note.total_tax_amount == Decimal("20.00")
    assert note.line_items[0].unit_amount == Decimal("100.1234")
    assert note.supplier_ref.id == "sup-1"
    assert note.bill_credit_note_number == "CN-001"
    assert note.status == "PartiallyPaid"
    assert note.source_modified_date is not None


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"remainingCredit": "lots"}, "remaining_credit", None),
        ({"totalAmount": [1]}, "total_amount", None),
        ({"supplierRef": "sup-1"}, "supplier_ref", None),
        ({"issueDate": "the ides of March"}, "issue_date", None),
        ({"lineItems": None}, "line_items", ()),
        ({"status": "OnHold"}, "status", "OnHold"),
        ({"metadata": {"isDeleted": True}}, "is_deleted", True),
    ],
)
def test_hostile_optional_values_become_defaults(changes, field, expected):
    assert getattr(_note(**changes), field) == expected


@pytest.mark.parametrize("raw", [{"totalAmount": 1}, {"id": ""}, {"id": None}, "cn-1", [1]])
def test_a_credit_note_without_an_id_is_an_invalid_response(raw):
    with pytest.raises(CodatInvalidResponseError):
        BillCreditNote.from_json(raw)


def test_non_finite_and_huge_amounts_are_kept_for_the_sync_to_refuse():
    note = _note(remainingCredit=Decimal("NaN"), totalAmount=Decimal("1E+999999"))

    assert not note.remaining_credit.is_finite()
    assert note.total_amount == Decimal("1E+999999")


def test_list_reads_every_page_and_reports_undecodable_records(codat, mocked):
    url = re.compile(rf"https://codat\.test/companies/{COMPANY_ID}/data/billCreditNotes\b.*")
    good = json.loads(NOTE_JSON)
    mocked.add(
        "GET",
        url,
        json=page(
            [good, {"totalAmount": 1}],
            page_number=1,
            page_size=2,
            total=3,
            next_href="/x?page=2",
        ),
    )
    mocked.add("GET", url, json=page([{**good, "id": "cn-2"}], page_number=2, page_size=2, total=3))
    bad = []

    notes = list(
        codat.list_bill_credit_notes(
            company_id=COMPANY_ID,
            query="modifiedDate>2023-01-01",
            page_size=2,
            on_invalid=lambda raw, reason: bad.append(reason),
        )
    )

    assert [n.id for n in notes] == ["cn-1", "cn-2"]
    assert len(bad) == 1 and "id" in bad[0]
    assert "query=modifiedDate" in mocked.calls[0].request.url


def test_get_one_credit_note(codat, mocked):
    mocked.add(
        "GET",
        f"https://codat.test/companies/{COMPANY_ID}/data/billCreditNotes/cn-1",
        json=json.loads(NOTE_JSON),
    )

    note = codat.get_bill_credit_note(company_id=COMPANY_ID, bill_credit_note_id="cn-1")

    assert note.remaining_credit == Decimal("45.0001")
