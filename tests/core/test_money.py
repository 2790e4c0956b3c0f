from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from billpay.core.money import format_money, quantize, to_decimal


def test_to_decimal_refuses_floats():
    with pytest.raises(TypeError):
        to_decimal(0.1)


def test_to_decimal_reads_strings_exactly():
    assert to_decimal("0.1") + to_decimal("0.2") == Decimal("0.3")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "USD", "2.35"),
        ("2.344", "USD", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("1234.5", "JPY", "1235"),
        ("1.2345", "KWD", "1.235"),
    ],
)
def test_quantize_rounds_half_up_to_the_minor_unit(amount, currency, expected):
    assert quantize(Decimal(amount), currency) == Decimal(expected)


def test_format_money_shows_symbol_grouping_and_minor_unit():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert format_money(Decimal("1234"), "JPY") == "¥1,234"


# format_money writes babel's prefix and suffix around Python's digits (babel is slow per call):
# whatever the amount and currency, the text must be babel's own.
@given(
    amount=st.decimals(
        min_value=Decimal("-999999999999999.9999"),
        max_value=Decimal("999999999999999.9999"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    ),
    currency=st.sampled_from(["USD", "EUR", "GBP", "JPY", "KWD", "CHF", "CAD", "BTC", "xxx", ""]),
)
def test_format_money_writes_what_babel_writes(amount, currency):
    expected = format_currency(
        quantize(amount, currency), currency.upper(), locale="en_US", currency_digits=True
    )
    assert format_money(amount, currency) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("de_DE", "1.234,50\xa0€"), ("en_IN", "€12,34,567.50"), ("fr_FR", "1\u202f234,50\xa0€")],
)
def test_format_money_leaves_other_digit_shapes_to_babel(locale, expected):
    amount = Decimal("1234567.5") if locale == "en_IN" else Decimal("1234.5")
    assert format_money(amount, "EUR", locale=locale) == expected


def test_format_money_keeps_the_sign_of_a_negative_zero_as_babel_does():
    assert format_money(Decimal("-0.001"), "USD") == "-$0.00"
    assert format_money(Decimal("-1234.5"), "USD") == "-$1,234.50"
