"""Turn decoded Codat JSON into the frozen records of `schemas.py`.

The records are plain declarations; this module reads their type hints once per class and
builds a decoding plan, so decoding 100,000 bills does not re-inspect types per record.
Rules (tolerant reader, strict where it matters):
- a field's JSON key is its name in camelCase (`sub_total` -> `subTotal`) unless the field's
  metadata gives a `path` (e.g. `("metadata", "isDeleted")`);
- a missing, null or wrongly typed optional value becomes the field's default;
- a field *without* a default is required: missing, empty or unusable means
  `CodatInvalidResponseError` (or, with `on_invalid`, the record is reported and skipped);
- any other exception a strange value could cause (a float, a number too long to print)
  becomes `CodatInvalidResponseError` too, naming the field: no JSON value crashes a sync;
- unknown keys are ignored and enum values stay plain strings, so new Codat values don't
  break us; the whole dict is kept on `raw` for mirroring.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from billpay.codat.errors import CodatInvalidResponseError

T = TypeVar("T")

_MISSING = object()
# Codat (.NET) writes up to 7 fractional digits ("2022-11-10T10:45:18.1950523Z"); Python's
# datetime holds 6 and some fromisoformat versions refuse more, so we truncate to 6.
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_datetime(value: Any) -> datetime | None:
    """Parse a Codat date/time string; naive when Codat sends no offset, else aware."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    text = _LONG_FRACTION.sub(r"\1", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@typing.overload
def decode(cls: type[T], data: Any) -> T: ...


@typing.overload
def decode(cls: type[T], data: Any, *, on_invalid: Callable[[Any, str], None]) -> T | None: ...


def decode(cls: type[T], data: Any, *, on_invalid: Callable[[Any, str], None] | None = None) -> Any:
    """Build a `cls` record from a JSON object (a dict).

    Whatever JSON value it is given, decoding either returns a record or raises
    `CodatInvalidResponseError` whose message is a short reason naming the field
    ("Bill.id is missing"); with `on_invalid`, it calls `on_invalid(data, reason)` and returns
    None instead of raising. Numbers are taken as sent: an amount may be a non-finite `Decimal`
    (NaN, Infinity: JSON's non-standard constants, or numeric strings) or far larger than any
    column (1E+999999). Callers check `is_finite()` and bounds before they compare (ordering a
    NaN raises `InvalidOperation`) or store one.
    """
    try:
        return _decode(cls, data)
    except CodatInvalidResponseError as exc:
        if on_invalid is None:
            raise
        on_invalid(data, str(exc))
        return None


def _decode(cls: type[T], data: Any) -> T:
    if not isinstance(data, dict | Mapping):
        raise CodatInvalidResponseError(
            f"{cls.__name__} is not a JSON object (got {_json_kind(data)})"
        )
    kwargs: dict[str, Any] = {"raw": data}
    for name, path, convert, required, expected in _plan(cls):
        # Most fields are one key deep: a plain dict lookup (this loop runs for every record).
        value = data.get(path[0]) if len(path) == 1 else _lookup(data, path)
        if value is None:
            converted = None
        else:
            try:
                converted = convert(value)
            except CodatInvalidResponseError as exc:  # a nested record's reason
                raise CodatInvalidResponseError(f"{cls.__name__}.{'.'.join(path)}: {exc}") from exc
            except (TypeError, ValueError, ArithmeticError, RecursionError) as exc:
                # Any JSON value must end as a reason, never as another exception type.
                raise CodatInvalidResponseError(
                    f"{cls.__name__}.{'.'.join(path)} cannot be read"
                ) from exc
        if converted is None or (required and converted == ""):
            if required:
                raise CodatInvalidResponseError(
                    f"{cls.__name__}.{'.'.join(path)} is {_problem(value, expected)}"
                )
            continue
        kwargs[name] = converted
    return cls(**kwargs)


def _problem(value: Any, expected: str | None) -> str:
    if value is None:
        return "missing"
    if value == "":
        return "empty"
    return f"not {expected or 'a valid value'} (got {_json_kind(value)})"


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _lookup(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, dict | Mapping):
            return None
        value = value.get(key)
    return value


# (field name, JSON path, converter, required, what a required value must be)
_Plan = list[tuple[str, tuple[str, ...], Callable[[Any], Any], bool, str | None]]
_plans: dict[type, _Plan] = {}
_EXPECTED = {str: "text", Decimal: "a number", int: "a whole number", bool: "true or false"}


def _plan(cls: type) -> _Plan:
    plan = _plans.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = []
        for field in dataclasses.fields(cls):
            if field.name == "raw":
                continue
            path = field.metadata.get("path") or (camel(field.name),)
            required = (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            )
            hint = hints[field.name]
            plan.append((field.name, tuple(path), _converter(hint), required, _EXPECTED.get(hint)))
        _plans[cls] = plan
    return plan


def _converter(hint: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _converter(next(arg for arg in args if arg is not type(None)))
    if origin is tuple:
        return _tuple_of(_converter(args[0]))
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if len(args) != 2 or args[1] is Any:
            # Free-form objects (connectionInfo, tracking) are kept exactly as sent.
            return lambda value: dict(value) if isinstance(value, Mapping) else None
        return _dict_of(_converter(args[1]))
    if dataclasses.is_dataclass(hint):
        return lambda value: decode(hint, value) if isinstance(value, dict | Mapping) else None
    simple = {str: _to_str, Decimal: _to_decimal, int: _to_int, bool: _to_bool}
    if hint in simple:
        return simple[hint]
    if hint is datetime:
        return parse_datetime
    return lambda value: value  # Any: keep as decoded


def _tuple_of(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def to_tuple(value: Any) -> tuple[Any, ...] | None:
        if not isinstance(value, list):
            return None
        if not value:
            return ()
        items = (convert(item) for item in value if item is not None)
        return tuple(item for item in items if item is not None)

    return to_tuple


def _dict_of(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def to_dict(value: Any) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            return None
        items = ((str(key), convert(item)) for key, item in value.items() if item is not None)
        return {key: item for key, item in items if item is not None}

    return to_dict


def _to_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    # Some platforms send numeric ids; an id is still an id.
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    if isinstance(value, float):
        raise TypeError(
            "float amount: decode Codat JSON with serialize.loads (parse_float=Decimal)"
        )
    return None


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    # 18 digits at most: int(Decimal("1E+999999")) would build a million-digit number, and
    # Infinity/NaN have no int at all. No count or size Codat sends comes near.
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() < 18
        and value == value.to_integral_value()
    ):
        return int(value)
    return None


def _to_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
