from datetime import date, timedelta
from decimal import Decimal

import pytest

from billpay.bills.templatetags.bills import due_label, quantity, review_class, status_class

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-3, "overdue by 3 days"),
        (-1, "overdue by 1 day"),
        (0, "due today"),
        (1, "due in 1 day"),
        (3, "due in 3 days"),
        (30, "due in 30 days"),
        (31, ""),
    ],
)
def test_due_label_says_how_far_the_due_date_is(days, label):
    assert due_label(TODAY + timedelta(days=days), Decimal("10.00"), TODAY) == label


def test_due_label_is_empty_for_a_bill_with_nothing_left_to_pay():
    assert due_label(TODAY - timedelta(days=3), Decimal("0.0000"), TODAY) == ""


def test_due_label_is_empty_for_a_bill_without_a_due_date():
    assert due_label(None, Decimal("10.00"), TODAY) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [("10.0000", "10"), ("1000.0000", "1000"), ("2.5000", "2.5"), ("0.0001", "0.0001")],
)
def test_quantity_is_plain_without_trailing_zeros(value, shown):
    assert quantity(Decimal(value)) == shown


def test_quantity_of_nothing_is_empty():
    assert quantity(None) == ""


def test_status_and_review_classes_colour_known_states_only():
    assert [status_class(s) for s in ["Paid", "PartiallyPaid", "Void", "Draft", "Open"]] == [
        "ok",
        "info",
        "bad",
        "warn",
        "",
    ]
    assert [review_class(s) for s in ["approved", "rejected", "pending"]] == ["ok", "bad", ""]
