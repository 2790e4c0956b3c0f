"""Validate sandbox responses against Codat's official OpenAPI spec (read from ../shared/codat)."""

import copy
import json
import re
from functools import cache
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "codat"
PAYABLES = SPEC_DIR / "Codat-Sync-Payables-v1.json"
PLATFORM = SPEC_DIR / "Codat-Platform.json"


def _nullable(node):
    """The spec says 3.1 but uses 3.0's `nullable`; rewrite it as JSON Schema's null type."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        if isinstance(node.get("type"), str) and "$ref" not in node and "allOf" not in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            return {"anyOf": [node, {"type": "null"}]}
    return node


@cache
def load(path: Path = PAYABLES) -> dict:
    return _nullable(json.loads(path.read_text()))


@cache
def _registry(path: Path) -> Registry:
    return Registry().with_resource(
        "urn:spec", Resource(contents=load(path), specification=DRAFT202012)
    )


def _template_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


def find_operation(method: str, path: str, spec_path: Path = PAYABLES) -> tuple[str, dict]:
    """The (template, operation) a concrete path and method belong to."""
    spec = load(spec_path)
    path = path.split("?")[0]
    matches = [
        (template, ops[method.lower()])
        for template, ops in spec["paths"].items()
        if method.lower() in ops and _template_regex(template).match(path)
    ]
    if not matches:
        raise AssertionError(f"{method} {path} is not in the spec")
    # The most literal template wins (…/data/history beats …/data/{x}).
    return min(matches, key=lambda m: m[0].count("{"))


def response_schema(method: str, path: str, status: int, spec_path: Path = PAYABLES):
    """The JSON schema for one operation's response, or None when the spec gives no body."""
    spec = load(spec_path)
    _template, operation = find_operation(method, path, spec_path)
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path}: {status} not documented ({list(responses)})"
    response = responses[str(status)]
    if "$ref" in response:
        name = response["$ref"].split("/")[-1]
        response = spec["components"]["responses"][name]
    content = response.get("content", {}).get("application/json")
    return None if content is None else content["schema"]


def validate(method: str, path: str, status: int, body, spec_path: Path = PAYABLES) -> None:
    """Assert `body` matches the spec's schema for this operation and status."""
    schema = response_schema(method, path, status, spec_path)
    assert schema is not None, f"{method} {path} {status} has no JSON body in the spec"
    _check(schema, body, spec_path)


def validate_schema(pointer: str, body, spec_path: Path = PAYABLES) -> None:
    """Assert `body` matches a component, e.g. '#/components/schemas/ConnectionWebhook'."""
    _check({"$ref": pointer}, body, spec_path)


def _check(schema: dict, body, spec_path: Path) -> None:
    schema = copy.deepcopy(schema)
    wrapper = {"$schema": "https://json-schema.org/draft/2020-12/schema", **_rebase(schema)}
    validator = jsonschema.Draft202012Validator(wrapper, registry=_registry(spec_path))
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def _rebase(node):
    """Point local '#/components/…' refs at the registered spec document."""
    if isinstance(node, list):
        return [_rebase(item) for item in node]
    if isinstance(node, dict):
        return {
            key: ("urn:spec" + value if key == "$ref" and value.startswith("#") else _rebase(value))
            for key, value in node.items()
        }
    return node
