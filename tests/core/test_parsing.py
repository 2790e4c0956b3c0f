"""The shared parser: only ASCII digits are numbers, everything is bounded, nothing is rounded."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from billpay.core.parsing import (
    AMOUNT_MAX,
    BIGINT_MAX,
    ParseError,
    clean_text,
    encode_cursor,
    parse_amount,
    parse_cursor,
    parse_date,
    parse_decimal,
    parse_id,
    parse_int,
    parse_text,
    parse_uuid,
    scoped_key,
)

NOT_NUMBERS = [
    "١٢٣",
    "²",
    "Ⅻ",
    "１２",
    "1_000",
    "0x10",
    "1e3",
    "NaN",
    "Infinity",
    "-Infinity",
    "",
    " ",
    "1\x00",
    "+",
    "-",
    "1 2",
    "9" * 5_000,
    "1.5",
    "abc",
]


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_only_ascii_digits_are_whole_numbers(value):
    with pytest.raises(ParseError):
        parse_int(value)


def test_a_whole_number_is_read_within_its_bounds():
    assert parse_int(" 42 ") == 42
    assert parse_int("-0") == 0
    assert parse_int("-7", min_value=-10) == -7
    with pytest.raises(ParseError, match="at most 5"):
        parse_int("6", max_value=5)


@pytest.mark.parametrize("value", ["0", "-1", "9" * 40, str(BIGINT_MAX + 1), "١", True, 1.0])
def test_an_id_is_a_positive_number_that_fits_a_bigint(value):
    with pytest.raises(ParseError):
        parse_id(value)


def test_an_id_at_the_bigint_limit_is_an_id():
    assert parse_id(str(BIGINT_MAX)) == BIGINT_MAX


@pytest.mark.parametrize(
    "value",
    ["١٢٣٫٤٥", "1e999", "1E+2", "NaN", "-Infinity", "0x10", "1,5", "9" * 16, "1.23456", 1.5],
)
def test_a_decimal_is_plain_ascii_that_fits_the_amount_column(value):
    with pytest.raises(ParseError):
        parse_decimal(value)


def test_a_decimal_keeps_its_digits_exactly():
    assert parse_decimal("999999999999999.9999") == AMOUNT_MAX
    assert parse_decimal("-5.00") == Decimal("-5.00")
    assert parse_decimal(".5") == Decimal("0.5")
    assert parse_decimal("1.23000", decimal_places=2) == Decimal("1.23")  # zeros, not rounding


def test_more_decimals_than_allowed_is_an_error_not_a_rounding():
    with pytest.raises(ParseError, match="at most 2 decimal places"):
        parse_decimal("1.005", decimal_places=2)


@pytest.mark.parametrize(
    ("currency", "good", "bad", "message"),
    [
        ("USD", "10.25", "10.255", "USD amounts have at most 2 decimal places."),
        ("JPY", "1000", "1000.5", "JPY amounts have no decimals."),
        ("KWD", "1.125", "1.1255", "KWD amounts have at most 3 decimal places."),
    ],
)
def test_an_amount_has_at_most_its_currencys_decimals(currency, good, bad, message):
    assert parse_amount(good, currency=currency) == Decimal(good)
    with pytest.raises(ParseError) as exc:
        parse_amount(bad, currency=currency)
    assert exc.value.message == message


def test_an_amount_larger_than_the_columns_hold_is_refused():
    with pytest.raises(ParseError, match="too large"):
        parse_amount("1000000000000000", currency="USD")


@pytest.mark.parametrize(
    "value", ["2026-02-30", "99999-01-01", "0000-01-01", "2026-1-1", "٢٠٢٦-٠١-٠١", "2026-01-01T00"]
)
def test_a_date_is_a_real_iso_date_in_ascii(value):
    with pytest.raises(ParseError):
        parse_date(value)


def test_a_date_is_read():
    assert parse_date("2024-02-29") == date(2024, 2, 29)


def test_a_key_is_a_uuid_and_nothing_like_one():
    key = uuid.UUID("3f2b8c1e-9d4a-4c6e-8f0a-1b2c3d4e5f60")
    assert parse_uuid(str(key)) == key
    for value in [
        "%%%",
        str(key)[:-1],
        f"{{{key}}}",
        f"urn:uuid:{key}",
        str(key).replace("1", "١"),
    ]:
        with pytest.raises(ParseError):
            parse_uuid(value)


def test_text_with_nul_or_a_lone_surrogate_or_too_long_is_refused():
    for value in ["a\x00b", "a\ud800b", "x" * 11]:
        with pytest.raises(ParseError):
            parse_text(value, max_length=10)
    assert parse_text("café", max_length=10) == "café"
    assert clean_text("a\x00b\ud800c" + "x" * 200, max_length=5) == "abcxx"


def test_a_cursor_round_trips_and_anything_else_is_broken():
    assert parse_cursor(encode_cursor(["Zoë", 5])) == ["Zoë", 5]
    for value in ["%%%", "YWJj=", "YWJj", "e30", "W05hTiwgMV0", "A" * 5_000]:  # …, {}, [NaN, 1]
        with pytest.raises(ParseError):
            parse_cursor(value)


def test_a_form_key_is_scoped_to_its_company():
    key = uuid.uuid4()

    first, second = scoped_key(company_id=1, key=key), scoped_key(company_id=2, key=key)

    assert first != second and first != key
    assert scoped_key(company_id=1, key=key) == first  # a resubmission finds the same key


@pytest.mark.parametrize(
    ("call", "french"),
    [
        (lambda: parse_amount("10,2555", currency="EUR", typed=True),
         "Les montants en EUR ont au plus 2 décimales."),
        (lambda: parse_amount("0", currency="EUR", min_value=Decimal("0.01")),
         "Saisissez un montant d’au moins 0,01."),
        (lambda: parse_int("abc"), "Saisissez un nombre entier en chiffres de 0 à 9."),
        (lambda: parse_date("31 février 2025"), "31 février 2025 n’est pas une date qui existe."),
        (lambda: parse_cursor("!!"), "Ce lien de page est invalide."),
    ],
)  # fmt: skip
def test_a_french_reader_gets_the_messages_in_french(call, french):
    with translation.override("fr"), pytest.raises(ParseError) as caught:
        call()
    assert caught.value.message == french
