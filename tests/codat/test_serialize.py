from datetime import date, datetime
from decimal import Decimal

import pytest

from billpay.codat import serialize


def test_a_decimal_keeps_its_trailing_zeros_through_a_round_trip():
    text = serialize.dumps({"totalAmount": Decimal("12.3400")})

    assert text == '{"totalAmount":12.3400}'
    assert str(serialize.loads(text)["totalAmount"]) == "12.3400"


def test_a_decimal_sum_is_written_exactly():
    text = serialize.dumps([Decimal("0.1") + Decimal("0.2")])

    assert text == "[0.3]"
    assert serialize.loads(text) == [Decimal("0.3")]


def test_large_amounts_survive_a_round_trip_digit_for_digit():
    amount = Decimal("123456789012345678901234567890.123456789")

    assert serialize.loads(serialize.dumps({"a": amount}))["a"] == amount


def test_exponent_decimals_are_written_in_plain_notation():
    assert serialize.dumps([Decimal("1E+3"), Decimal("1E-7")]) == "[1000,0.0000001]"


def test_loads_never_produces_a_float():
    assert serialize.loads('{"amountDue": 1234.5678}') == {"amountDue": Decimal("1234.5678")}


def test_floats_are_refused():
    with pytest.raises(TypeError):
        serialize.dumps({"totalAmount": 0.1})


def test_not_a_number_is_refused():
    with pytest.raises(ValueError):
        serialize.dumps({"totalAmount": Decimal("NaN")})


def test_strings_are_escaped_and_other_json_types_pass_through():
    value = {"note": 'He said "hi"\n', "n": 3, "ok": True, "none": None, "list": ["é"]}

    assert serialize.loads(serialize.dumps(value)) == value


def test_dates_are_written_as_codat_datetimes():
    text = serialize.dumps({"d": date(2023, 4, 17), "dt": datetime(2023, 4, 17, 9, 30)})

    assert serialize.loads(text) == {"d": "2023-04-17T00:00:00", "dt": "2023-04-17T09:30:00"}
