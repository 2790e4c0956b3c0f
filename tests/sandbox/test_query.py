from decimal import Decimal

import pytest

from billpay.sandbox import query, store
from billpay.sandbox.models import SandboxCacheRecord
from billpay.sandbox.query import And, Comparison, Or, QueryError, parse

BILLS = store.SCHEMAS["bills"]


def test_a_single_comparison_parses_to_path_operator_and_value():
    assert parse("supplierRef.id=77") == Comparison(("supplierRef", "id"), "=", "77")


@pytest.mark.parametrize("op", ["=", "!=", "~", ">", "<", ">=", "<="])
def test_every_operator_parses(op):
    assert parse(f"totalAmount{op}100").op == op


def test_and_binds_tighter_than_or():
    node = parse("a=1 || b=2 && c=3")
    assert node == Or(
        (
            Comparison(("a",), "=", "1"),
            And((Comparison(("b",), "=", "2"), Comparison(("c",), "=", "3"))),
        )
    )


def test_braces_group_before_and():
    node = parse("{totalAmount > 100 || totalAmount < 50} && status != Paid")
    assert isinstance(node, And)
    assert isinstance(node.items[0], Or)
    assert node.items[1] == Comparison(("status",), "!=", "Paid")


def test_values_may_contain_spaces():
    assert parse("supplierName=Power Direct Ltd").value == "Power Direct Ltd"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "status",
        "status=",
        "=Open",
        "{status=Open",
        "status=Open}",
        "status=Open &&",
        "a==",
        "&&a=1",
        "{}",
    ],
)
def test_malformed_queries_raise(text):
    with pytest.raises(QueryError, match="Malformed query"):
        parse(text)


def test_unknown_property_is_named_in_the_error():
    with pytest.raises(QueryError, match="Could not resolve property isCompleted on Bill"):
        query.build_q("isCompleted=true", BILLS)


def test_arrays_cannot_be_queried():
    with pytest.raises(QueryError, match="array"):
        query.build_q("lineItems.unitAmount=10", BILLS)


def test_null_cannot_be_queried():
    with pytest.raises(QueryError):
        query.build_q("reference=null", BILLS)


def test_order_by_rejects_unknown_fields():
    with pytest.raises(QueryError):
        query.order_by("-nope", BILLS)


@pytest.fixture
def bills(db, seeded):
    return SandboxCacheRecord.objects.filter(company=seeded.company, data_type="bills")


def _ids(queryset, text):
    return set(queryset.filter(query.build_q(text, BILLS)).values_list("record_id", flat=True))


def _where(queryset, predicate):
    return {row.record_id for row in queryset if predicate(row.data)}


def test_numbers_compare_numerically(bills):
    assert _ids(bills, "totalAmount>1000") == _where(bills, lambda d: d["totalAmount"] > 1000)
    assert _ids(bills, "totalAmount<=1000") == _where(bills, lambda d: d["totalAmount"] <= 1000)


def test_equals_and_not_equals_on_strings(bills):
    assert _ids(bills, "status=Open") == _where(bills, lambda d: d["status"] == "Open")
    assert _ids(bills, "status!=Open") == _where(bills, lambda d: d["status"] != "Open")


def test_contains_is_case_insensitive(bills):
    assert _ids(bills, "reference~inv-") == _where(bills, lambda d: "INV-" in d["reference"])


def test_dates_compare_as_iso_strings(bills):
    expected = _where(bills, lambda d: "2026-01-01" <= d["dueDate"][:10] < "2026-06-01")
    assert _ids(bills, "dueDate>=2026-01-01&&dueDate<2026-06-01") == expected


def test_dot_paths_reach_into_objects(bills):
    supplier = bills.first().data["supplierRef"]["id"]
    expected = _where(bills, lambda d: d["supplierRef"]["id"] == supplier)
    assert _ids(bills, f"supplierRef.id={supplier}") == expected


def test_is_deleted_uses_the_real_column(bills):
    deleted = _where(bills, lambda d: d["metadata"]["isDeleted"])
    assert _ids(bills, "metadata.isDeleted=true") == deleted
    assert _ids(bills, "metadata.isDeleted!=true") == {b.record_id for b in bills} - deleted


def test_braces_change_the_result(bills):
    grouped = _ids(bills, "{status=Open || status=Paid} && totalAmount>2000")
    ungrouped = _ids(bills, "status=Open || status=Paid && totalAmount>2000")
    assert grouped == _where(
        bills, lambda d: d["status"] in ("Open", "Paid") and d["totalAmount"] > 2000
    )
    assert ungrouped == _where(
        bills,
        lambda d: d["status"] == "Open" or (d["status"] == "Paid" and d["totalAmount"] > 2000),
    )


def test_order_by_sorts_numbers_numerically_in_both_directions(bills):
    ascending = [
        r.data["totalAmount"] for r in bills.order_by(*query.order_by("totalAmount", BILLS))
    ]
    assert ascending == sorted(ascending)
    descending = [
        r.data["totalAmount"] for r in bills.order_by(*query.order_by("-totalAmount", BILLS))
    ]
    assert descending == sorted(ascending, reverse=True)
    assert isinstance(ascending[0], Decimal | int)
