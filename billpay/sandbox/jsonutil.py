"""JSON in and out of the sandbox with Decimal money: numbers never pass through binary floats."""

import json
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

# A Decimal travels through the encoder as a marked string, unquoted afterwards with two plain
# replaces (a regex with a group template costs seconds per 100,000 bills).
_OPEN, _CLOSE = "\u0000dec:", ":ced\u0000"
_OPEN_OUT, _CLOSE_OUT = '"\\u0000dec:', ':ced\\u0000"'


class DecimalEncoder(json.JSONEncoder):
    """Writes Decimal as a bare JSON number, datetimes as ISO strings and UUIDs as strings."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            # A marked string, unquoted again in encode(): the stdlib has no hook for raw numbers.
            return _OPEN + format(o, "f") + _CLOSE
        if isinstance(o, datetime):
            return iso(o)
        if isinstance(o, date):
            return o.isoformat()
        if isinstance(o, uuid.UUID):
            return str(o)
        return super().default(o)

    def iterencode(self, o: Any, _one_shot: bool = False):
        # encode() and dump() both come through here; unquote the marked Decimals in one pass.
        text = "".join(super().iterencode(o, _one_shot))
        yield text.replace(_OPEN_OUT, "").replace(_CLOSE_OUT, "")


class DecimalDecoder(json.JSONDecoder):
    """Reads JSON numbers with a fraction as Decimal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(*args, **kwargs)


def dumps(value: Any) -> str:
    """Serialise to compact JSON with Decimal numbers."""
    return json.dumps(value, cls=DecimalEncoder, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """Parse JSON, keeping fractional numbers as Decimal; NaN and Infinity are not JSON."""
    return json.loads(text, parse_float=Decimal, parse_constant=_not_json)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def iso(moment: datetime) -> str:
    """Codat's UTC timestamp format: 2023-04-17T14:51:35Z (naive values are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


# PostgreSQL stores neither NUL nor lone UTF-16 surrogates (JSON's "\u0000", "\ud800") in text or
# jsonb: such input is refused where it enters rather than failing as a 500 inside a write.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> bool:
    """Whether a decoded JSON value (or a string) holds only text PostgreSQL can store."""
    if isinstance(value, str):
        return not _UNSTORABLE.search(value)
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    if isinstance(value, Decimal):
        # jsonb's numeric holds at most 131,072 digits before the point and 16,383 after; no
        # amount or rate comes near a thousand.
        return value.is_finite() and value.as_tuple().exponent > -1000 and value.adjusted() < 1000
    return True
