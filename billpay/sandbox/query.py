"""Codat's `query=` language and `orderBy=`: parse to an AST, then translate to Q objects."""

# Grammar (`&&` binds tighter than `||`; braces group):
#     expr := and ('||' and)*      and := atom ('&&' atom)*
#     atom := '{' expr '}' | path op value      op := = != ~ > < >= <=
# Pure functions: nothing here touches the database. Filtering and ordering then run in SQL over
# a JSONField (plus real columns for the hot fields), so 100,000 records stay fast.

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.expressions import OrderBy
from django.db.models.fields.json import KeyTransform

OPERATORS = ("!=", ">=", "<=", "=", "~", ">", "<")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAX_LENGTH = 2048
MALFORMED = "Error parsing query - Malformed query."


class QueryError(ValueError):
    """The query or orderBy cannot be used; str() is Codat's error text."""


@dataclass(frozen=True)
class Comparison:
    path: tuple[str, ...]
    op: str
    value: str


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Schema:
    """What can be queried on one data type: JSON properties, arrays, and real columns."""

    name: str
    fields: frozenset[str]
    arrays: frozenset[str] = frozenset()
    # query path -> (model column, kind); kind is "str", "bool" or "datetime"
    columns: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    json_field: str = "data"


def parse(text: str):
    """Parse a query string into an AST; raises QueryError when malformed."""
    if len(text) >= _MAX_LENGTH:
        raise QueryError(MALFORMED)
    parser = _Parser(text)
    node = parser.expr()
    parser.skip_spaces()
    if parser.pos != len(text):
        raise QueryError(MALFORMED)
    return node


class _Parser:
    """A recursive-descent parser over the raw string."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take(self, token: str) -> bool:
        self.skip_spaces()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expr(self):
        items = [self.conjunction()]
        while self.take("||"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self):
        items = [self.atom()]
        while self.take("&&"):
            items.append(self.atom())
        return items[0] if len(items) == 1 else And(tuple(items))

    def atom(self):
        if self.take("{"):
            node = self.expr()
            if not self.take("}"):
                raise QueryError(MALFORMED)
            return node
        self.skip_spaces()
        match = _PATH.match(self.text, self.pos)
        if not match:
            raise QueryError(MALFORMED)
        self.pos = match.end()
        self.skip_spaces()
        op = next((o for o in OPERATORS if self.text.startswith(o, self.pos)), None)
        if op is None:
            raise QueryError(MALFORMED)
        self.pos += len(op)
        end = self._value_end()
        value = self.text[self.pos : end].strip()
        self.pos = end
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if not value or value[0] in "=!<>~" or any(c in value for c in "{}"):
            raise QueryError(MALFORMED)
        return Comparison(tuple(match.group().split(".")), op, value)

    def _value_end(self) -> int:
        """A value runs until the next &&, || or closing brace."""
        ends = [len(self.text)]
        for stop in ("&&", "||", "}"):
            index = self.text.find(stop, self.pos)
            if index != -1:
                ends.append(index)
        return min(ends)


def to_q(node, schema: Schema) -> Q:
    """Translate a parsed query into a Q over `schema`'s model; raises QueryError."""
    if isinstance(node, And):
        result = Q()
        for item in node.items:
            result &= to_q(item, schema)
        return result
    if isinstance(node, Or):
        items = [to_q(item, schema) for item in node.items]
        result = items[0]
        for item in items[1:]:
            result |= item
        return result
    return _comparison(node, schema)


def build_q(text: str | None, schema: Schema) -> Q:
    """Parse and translate in one step; an empty query matches everything."""
    if not text or not text.strip():
        return Q()
    return to_q(parse(text), schema)


def _resolve(path: tuple[str, ...], schema: Schema) -> None:
    if any("__" in key for key in path):
        raise QueryError(MALFORMED)
    if path[0] not in schema.fields:
        raise QueryError(
            f"Error parsing query - Could not resolve property {'.'.join(path)} on {schema.name}"
        )
    if path[0] in schema.arrays:
        raise QueryError(f"Error parsing query - Cannot query array property {path[0]}")


def _comparison(node: Comparison, schema: Schema) -> Q:
    dotted = ".".join(node.path)
    if node.value == "null":
        raise QueryError("Error parsing query - null cannot be queried")
    if dotted in schema.columns:
        column, kind = schema.columns[dotted]
        return _column_q(column, kind, node.op, node.value)
    _resolve(node.path, schema)
    return _json_q("__".join((schema.json_field, *node.path)), node.op, node.value)


def _lookup(target: str, name: str, value) -> Q:
    # Keyword lookups (data__supplierRef__id__exact) let JSONField adapt the value to jsonb.
    return Q(**{f"{target}__{name}": value})


def _json_q(target, op: str, raw: str) -> Q:
    if op == "~":
        return _lookup(target, "icontains", raw)
    candidates = _json_values(raw, op)
    if op in ("=", "!="):
        matched = Q()
        for value in candidates:
            matched |= _lookup(target, "exact", value)
        if op == "=":
            return matched
        # A missing key counts as "not equal", as in Codat (metadata.isDeleted!=true).
        return ~matched | _lookup(target, "isnull", True)
    name = {">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}[op]
    value = candidates[0]
    if isinstance(value, bool):
        raise QueryError(MALFORMED)
    return _lookup(target, name, value)


def _json_values(raw: str, op: str) -> list:
    """The JSON values a raw token may stand for, most specific first."""
    if raw in ("true", "false"):
        return [raw == "true"]
    if _NUMBER.fullmatch(raw):
        # Ids are strings that look like numbers ("145"): equality tries both.
        return [Decimal(raw), raw] if op in ("=", "!=") else [Decimal(raw)]
    if _DATE.fullmatch(raw):
        # Dates are stored as "2023-06-01T00:00:00"; compare like with like.
        full = f"{raw}T00:00:00"
        return [full, raw] if op in ("=", "!=") else [full]
    if _DATE.match(raw):
        return [raw.removesuffix("Z").removesuffix(".000")]
    return [raw]


def _column_q(column: str, kind: str, op: str, raw: str) -> Q:
    if kind == "bool":
        if raw not in ("true", "false") or op not in ("=", "!="):
            raise QueryError(MALFORMED)
        value = raw == "true"
    elif kind == "datetime":
        value = parse_moment(raw)
        if op == "~":
            raise QueryError(MALFORMED)
    else:
        value = raw
    if op == "~":
        return Q(**{f"{column}__icontains": value})
    if op == "=":
        return Q(**{column: value})
    if op == "!=":
        return ~Q(**{column: value})
    name = {">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}[op]
    return Q(**{f"{column}__{name}": value})


def parse_moment(raw: str) -> datetime:
    """An ISO date or datetime (Z, offset or naive taken as UTC) as an aware datetime."""
    try:
        if _DATE.fullmatch(raw):
            moment = datetime.combine(datetime.fromisoformat(raw).date(), time())
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(MALFORMED) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def order_by(text: str | None, schema: Schema, default: str = "") -> list:
    """Translate `orderBy` ("field", "-field", comma-separated) into ORM ordering expressions."""
    text = (text or default).strip()
    ordering: list = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        descending = part.startswith("-")
        name = part.lstrip("-")
        if not _PATH.fullmatch(name):
            raise QueryError(MALFORMED)
        if name in schema.columns:
            expression = F(schema.columns[name][0])
        else:
            path = tuple(name.split("."))
            _resolve(path, schema)
            expression = KeyTransform(path[0], schema.json_field)
            for key in path[1:]:
                expression = KeyTransform(key, expression)
        ordering.append(OrderBy(expression, descending=descending))
    return ordering
