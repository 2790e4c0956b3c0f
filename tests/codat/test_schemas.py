from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from billpay.codat import CodatInvalidResponseError, serialize
from billpay.codat.decode import parse_datetime
from billpay.codat.schemas import (
    Bill,
    BillPayment,
    Company,
    Connection,
    PushOperation,
    PushOption,
    Supplier,
    TaxRate,
)

BILL_JSON = """{
  "id": "bill-1", "reference": "INV-001", "status": "PartiallyPaid",
  "supplierRef": {"id": "sup-1", "supplierName": "Acme"},
  "issueDate": "2023-01-05T00:00:00", "dueDate": "2023-02-04T00:00:00",
  "currency": "GBP", "currencyRate": 1,
  "subTotal": 1000.00, "taxAmount": 234.5678, "totalAmount": 1234.5678, "amountDue": 234.5678,
  "lineItems": [{"description": "Flour", "unitAmount": 10.005, "quantity": 100,
                 "accountRef": {"id": "acc-1", "name": "Purchases"},
                 "taxRateRef": {"id": "tax-1", "effectiveTaxRate": 20.0}}],
  "withholdingTax": [{"name": "WHT", "amount": 1.10}],
  "paymentAllocations": [{"payment": {"id": "pay-1", "totalAmount": 1000.00,
                                      "paidOnDate": "2023-01-20T00:00:00Z"},
                          "allocation": {"totalAmount": 1000.00, "currency": "GBP"}}],
  "metadata": {"isDeleted": false},
  "modifiedDate": "2023-01-21T10:00:00.1234567Z"
}"""


def _bill(**changes):
    data = serialize.loads(BILL_JSON)
    data.update(changes)
    return Bill.from_json(data)


def test_bill_amounts_are_exact_decimals():
    bill = _bill()

    assert bill.total_amount == Decimal("1234.5678")
    assert str(bill.sub_total) == "1000.00"
    assert bill.line_items[0].unit_amount == Decimal("10.005")


def test_bill_nested_records_are_decoded():
    bill = _bill()

    assert bill.supplier_ref.id == "sup-1"
    assert bill.line_items[0].account_ref.name == "Purchases"
    assert bill.line_items[0].tax_rate_ref.effective_tax_rate == Decimal("20.0")
    assert bill.withholding_tax[0].amount == Decimal("1.10")
    assert bill.payment_allocations[0].payment.id == "pay-1"
    assert bill.payment_allocations[0].allocation.total_amount == Decimal("1000.00")


def test_unknown_enum_values_are_kept_as_strings():
    assert _bill(status="OnHold").status == "OnHold"


def test_unknown_fields_are_ignored_but_kept_in_raw():
    bill = _bill(brandNewField={"x": 1})

    assert bill.raw["brandNewField"] == {"x": 1}


def test_nulls_and_missing_optional_fields_become_defaults():
    bill = Bill.from_json({"id": "b", "lineItems": None, "amountDue": None, "metadata": None})

    assert bill.line_items == ()
    assert bill.amount_due is None
    assert bill.is_deleted is False


def test_deleted_records_are_flagged_from_metadata():
    assert Supplier.from_json({"id": "s", "metadata": {"isDeleted": True}}).is_deleted is True


def test_a_record_without_its_id_is_an_invalid_response():
    with pytest.raises(CodatInvalidResponseError):
        Bill.from_json({"totalAmount": Decimal("1")})


def test_a_wrongly_typed_optional_value_is_dropped():
    assert _bill(amountDue="lots", supplierRef="sup-1").supplier_ref is None


def test_seven_digit_fractional_seconds_are_parsed():
    parsed = parse_datetime("2022-11-10T10:45:18.1950523Z")

    assert parsed == datetime(2022, 11, 10, 10, 45, 18, 195052, tzinfo=UTC)


def test_utc_offset_and_naive_dates_are_all_parsed():
    assert parse_datetime("2021-11-15T06:00:00Z") == datetime(2021, 11, 15, 6, tzinfo=UTC)
    assert parse_datetime("2021-11-15T01:00:00") == datetime(2021, 11, 15, 1)
    assert parse_datetime("2021-11-15T01:00:00-05:00") == datetime(
        2021, 11, 15, 1, tzinfo=timezone(timedelta(hours=-5))
    )


def test_an_unparseable_date_becomes_none():
    assert _bill(dueDate="next tuesday").due_date is None


def test_company_example_from_the_spec_decodes():
    company = Company.from_json(
        serialize.loads(
            '{"id":"ab12c58d-a678-4ebf-a159-ae99e1807bd0","name":"Technicalium","description":"",'
            '"platform":"","redirect":"https://link.codat.io/company/ab12c58d",'
            '"dataConnections":[],"created":"2022-11-10T10:45:18.1950523Z",'
            '"createdByUserName":"Dan Tzabar","products":["spend-insights"],'
            '"referenceSubsidiaryCompanies":[]}'
        )
    )

    assert company.created == datetime(2022, 11, 10, 10, 45, 18, 195052, tzinfo=UTC)
    assert company.products == ("spend-insights",)


def test_linked_accounting_connection_is_recognised():
    connection = Connection.from_json({"id": "c", "sourceType": "Accounting", "status": "Linked"})

    assert connection.is_linked_accounting


def test_bill_payment_lines_and_links_are_decoded():
    payment = BillPayment.from_json(
        serialize.loads(
            '{"id":"p","totalAmount":135.85,"date":"2023-04-17T00:00:00",'
            '"lines":[{"amount":135.85,"links":[{"type":"Bill","id":"b","amount":-135.85}]}]}'
        )
    )

    assert payment.lines[0].links[0].amount == Decimal("-135.85")


def test_push_operation_exposes_the_created_record_id():
    operation = PushOperation.from_json(
        {
            "pushOperationKey": "k",
            "status": "Success",
            "changes": [
                {"type": "Created", "recordRef": {"id": "145", "dataType": "billPayments"}}
            ],
        }
    )

    assert operation.record_id == "145"


def test_push_operation_validation_items_are_decoded():
    operation = PushOperation.from_json(
        {
            "pushOperationKey": "k",
            "status": "Failed",
            "validation": {"errors": [{"itemId": "NominalCode", "message": "Too long"}]},
        }
    )

    assert operation.validation.errors[0].message == "Too long"


def test_push_option_tree_is_decoded_recursively():
    option = PushOption.from_json(
        {
            "type": "Object",
            "displayName": "Bill",
            "required": True,
            "properties": {
                "currency": {
                    "type": "String",
                    "displayName": "Currency",
                    "required": True,
                    "options": [{"value": "GBP", "type": "String"}],
                }
            },
        }
    )

    assert option.properties["currency"].options[0].value == "GBP"


def test_tax_rate_components_are_optional():
    assert TaxRate.from_json({"id": "t", "effectiveTaxRate": Decimal("20")}).components == ()
