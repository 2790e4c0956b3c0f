"""JSON in and out of Codat, exactly.

This is the only place a `Decimal` becomes a JSON number. The standard library's encoder can
only write numbers through `float`, which would turn `0.1 + 0.2` into `0.30000000000000004`,
so `dumps` is a small recursive encoder that writes each `Decimal` as its own digits and hands
everything else (strings, escaping) to `json.dumps`. `float` is refused outright: an amount that
is already a float has already lost precision.

`loads` decodes with `parse_float=Decimal` (and `parse_constant=Decimal`), so amounts never
pass through `float` either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def loads(text: str | bytes) -> Any:
    """Decode Codat JSON with every non-integer number as a `Decimal`.

    JSON's non-standard NaN, Infinity and -Infinity (which Python's decoder accepts) become
    `Decimal` too, so no `float` ever comes out of here; deciding whether such a value is
    acceptable is the reader's job (the sync skips non-finite amounts).
    **Raises:** ValueError for anything that is not JSON, including nesting too deep to decode.
    """
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except RecursionError as exc:
        # `[[[[…` a hundred thousand deep: not an answer we can use, and it must not escape
        # as a RuntimeError past callers that expect ValueError for "not JSON".
        raise ValueError("JSON nested too deeply") from exc


def dumps(value: Any) -> str:
    """Encode `value` as compact JSON, writing `Decimal`s as exact JSON numbers."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts)


def _encode(value: Any, parts: list[str]) -> None:
    # bool before int: bool is a subclass of int.
    if value is None or isinstance(value, bool | str):
        parts.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Decimal):
        parts.append(_decimal_text(value))
    elif isinstance(value, int):
        parts.append(str(int(value)))
    elif isinstance(value, float):
        raise TypeError("float is not allowed in Codat JSON: use Decimal for amounts")
    elif isinstance(value, datetime):
        parts.append(json.dumps(value.isoformat()))
    elif isinstance(value, date):
        # Codat dates are datetimes; a bare date means midnight, local to the ledger.
        parts.append(json.dumps(f"{value.isoformat()}T00:00:00"))
    elif isinstance(value, Mapping):
        _encode_mapping(value, parts)
    elif isinstance(value, list | tuple):
        _encode_sequence(value, parts)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as Codat JSON")


def _encode_mapping(value: Mapping[Any, Any], parts: list[str]) -> None:
    parts.append("{")
    for index, (key, item) in enumerate(value.items()):
        if not isinstance(key, str):
            raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
        if index:
            parts.append(",")
        parts.append(json.dumps(key, ensure_ascii=False))
        parts.append(":")
        _encode(item, parts)
    parts.append("}")


def _encode_sequence(value: list[Any] | tuple[Any, ...], parts: list[str]) -> None:
    parts.append("[")
    for index, item in enumerate(value):
        if index:
            parts.append(",")
        _encode(item, parts)
    parts.append("]")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a valid JSON number")
    # Fixed-point keeps the digits and trailing zeros ("12.3400") and never writes
    # exponent notation ("1E+3"), which some JSON readers mishandle.
    return format(value, "f")
