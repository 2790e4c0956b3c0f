"""Decoding any JSON Codat could send: one bad record is skipped, never a crash of another kind."""

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billpay.codat import CodatInvalidResponseError, serialize
from billpay.codat.decode import camel, decode
from billpay.codat.schemas import (
    Account,
    Attachment,
    Bill,
    BillPayment,
    Connection,
    DataStatus,
    PaymentMethod,
    PullOperation,
    PushOperation,
    Supplier,
    TaxRate,
)
from tests.codat.payloads import COMPANY_ID, page, url

DATA = f"/companies/{COMPANY_ID}/data"
RECORDS = [
    Account,
    Attachment,
    Bill,
    BillPayment,
    Connection,
    DataStatus,
    PaymentMethod,
    PullOperation,
    PushOperation,
    Supplier,
    TaxRate,
]


def _skipped(call):
    """Run `call(on_invalid=...)`; return its result and the (item, reason) pairs it skipped."""
    skipped = []
    result = call(on_invalid=lambda item, reason: skipped.append((item, reason)))
    return result, skipped


# --- one bad record does not sink a page ------------------------------------------------------


def test_list_bills_skips_undecodable_records_and_says_why(codat, mocked):
    results = [
        {"id": "good-1", "totalAmount": 10},
        {"totalAmount": 1},
        "not a bill",
        {"id": {"nested": "object"}},
        {"id": ""},
        None,
        {"id": "good-2"},
    ]
    mocked.get(url(f"{DATA}/bills"), body=json.dumps(page(results, page_size=100)))

    bills, skipped = _skipped(lambda **kw: list(codat.list_bills(company_id=COMPANY_ID, **kw)))

    assert [bill.id for bill in bills] == ["good-1", "good-2"]
    assert skipped == [
        ({"totalAmount": 1}, "Bill.id is missing"),
        ("not a bill", "Bill is not a JSON object (got text)"),
        ({"id": {"nested": "object"}}, "Bill.id is not text (got an object)"),
        ({"id": ""}, "Bill.id is empty"),
        (None, "Bill is not a JSON object (got null)"),
    ]


@pytest.mark.parametrize(
    ("method", "resource", "name"),
    [
        ("list_suppliers", "suppliers", "Supplier"),
        ("list_accounts", "accounts", "Account"),
        ("list_tax_rates", "taxRates", "TaxRate"),
        ("list_bill_payments", "billPayments", "BillPayment"),
        ("list_payment_methods", "paymentMethods", "PaymentMethod"),
    ],
)
def test_every_list_method_can_skip_undecodable_records(codat, mocked, method, resource, name):
    mocked.get(url(f"{DATA}/{resource}"), json=page([{"name": "no id"}, {"id": "ok"}]))

    records, skipped = _skipped(
        lambda **kw: list(getattr(codat, method)(company_id=COMPANY_ID, **kw))
    )

    assert [record.id for record in records] == ["ok"]
    assert skipped == [({"name": "no id"}, f"{name}.id is missing")]


def test_without_on_invalid_one_bad_record_fails_the_list_as_before(codat, mocked):
    mocked.get(url(f"{DATA}/bills"), json=page([{"id": "a"}, {"totalAmount": 1}]))

    with pytest.raises(CodatInvalidResponseError, match=r"Bill\.id is missing"):
        list(codat.list_bills(company_id=COMPANY_ID))


def test_a_numeric_id_is_still_an_id(codat, mocked):
    mocked.get(url(f"{DATA}/bills"), body='{"results": [{"id": 42}], "totalResults": 1}')

    assert [bill.id for bill in codat.list_bills(company_id=COMPANY_ID)] == ["42"]


# --- numbers: kept as the Decimal sent, never a float, never another exception ---------------


def test_json_nan_and_infinity_become_decimals_not_floats():
    data = serialize.loads(
        '{"id": "b", "totalAmount": NaN, "amountDue": Infinity, "subTotal": -Infinity}'
    )

    bill = decode(Bill, data)

    assert bill.total_amount.is_nan()
    assert bill.amount_due == Decimal("Infinity")
    assert bill.sub_total == Decimal("-Infinity")


def test_an_amount_beyond_any_column_is_kept_for_the_sync_to_reject():
    bill = decode(
        Bill, serialize.loads('{"id": "b", "totalAmount": 1E+999999, "taxAmount": "1e-999999"}')
    )

    assert bill.total_amount == Decimal("1E+999999")
    assert bill.tax_amount == Decimal("1E-999999")


@pytest.mark.parametrize("size", ["1E+999999", "Infinity", "NaN", "12.5", "1E+18", "-1E+40"])
def test_a_count_that_is_not_a_plausible_whole_number_is_dropped(size):
    attachment = decode(Attachment, serialize.loads(f'{{"id": "a", "fileSize": {size}}}'))

    assert attachment.file_size is None


def test_a_whole_number_count_sent_as_a_decimal_is_read():
    assert decode(Attachment, serialize.loads('{"id": "a", "fileSize": 2048.0}')).file_size == 2048


def test_an_integer_too_long_to_print_fails_as_an_invalid_response():
    # json.loads refuses such integers itself; a decoded one still must not escape as ValueError.
    with pytest.raises(CodatInvalidResponseError, match=r"Bill\.id"):
        decode(Bill, {"id": 10**5000})


def test_a_float_handed_to_decode_is_an_invalid_response_not_a_type_error():
    with pytest.raises(CodatInvalidResponseError, match=r"Bill\.totalAmount cannot be read"):
        decode(Bill, {"id": "b", "totalAmount": 0.1})


def test_json_nested_too_deeply_is_not_json():
    with pytest.raises(ValueError):
        serialize.loads("[" * 200_000 + "]" * 200_000)


def test_a_response_nested_too_deeply_is_an_invalid_response(codat, mocked):
    mocked.get(url(f"{DATA}/bills"), body="[" * 200_000 + "]" * 200_000)

    with pytest.raises(CodatInvalidResponseError, match="not JSON"):
        list(codat.list_bills(company_id=COMPANY_ID))


def test_a_nested_record_that_cannot_be_read_is_named_inside_its_parent():
    with pytest.raises(CodatInvalidResponseError) as caught:
        decode(Bill, {"id": "b", "lineItems": [{"unitAmount": 0.5}]})

    assert str(caught.value) == "Bill.lineItems: BillLineItem.unitAmount cannot be read"


# --- any JSON value at all ----------------------------------------------------------------------

_NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("1E+999999"), Decimal("-1E-999999"), Decimal("sNaN"), 10**4000]),
)
_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "NaN",
            "sNaN",
            "Infinity",
            "1E+999999",
            "",
            "2023-02-30T25:61:00Z",
            "9999-12-31T23:59:59.99999999-23:59",
            "0001-01-01",
            "\x00",
        ]
    ),
)
_SCALARS = st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT)
_JSON = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=8), children, max_size=3),
    ),
    max_leaves=12,
)


def _keys(cls):
    """Every JSON key the record reads, so the garbage lands on real fields."""
    keys = ["id", "metadata", "lineItems", "supplierRef", "paymentAllocations", "addresses"]
    keys += [camel(name) for name in cls.__dataclass_fields__ if name != "raw"]
    return st.sampled_from(keys)


@st.composite
def _record_shaped(draw):
    cls = draw(st.sampled_from(RECORDS))
    data = draw(st.one_of(_JSON, st.dictionaries(_keys(cls), _JSON, max_size=8)))
    return cls, data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_record_shaped())
def test_decode_of_any_json_value_returns_a_record_or_an_invalid_response(case):
    cls, data = case

    try:
        record = decode(cls, data)
    except CodatInvalidResponseError as exc:
        assert str(exc).startswith(cls.__name__)
        reasons = []
        assert decode(cls, data, on_invalid=lambda item, why: reasons.append(why)) is None
        assert reasons == [str(exc)]
    else:
        assert isinstance(record, cls)
