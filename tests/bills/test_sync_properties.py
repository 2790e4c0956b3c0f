"""Property: whatever schema-valid records Codat sends, a sync ends, tells the truth, frees the guard.

Records are generated from the Bill, Supplier, Account and TaxRate schemas of Codat's OpenAPI
spec (../shared/codat/), served over HTTP with `responses` (only Codat is mocked: the app's
client fetches, pages and decodes them for real) and synced on PostgreSQL with the real
`sync_run_queue` + `bills_sync`, in autocommit as in production.

The spec is OpenAPI 3.0: `$ref`s are resolved here into one self-contained JSON Schema per
record, `nullable` becomes a null alternative, `allOf` parts are merged, and arrays and strings
are capped to keep each example small. Generation uses hypothesis-jsonschema for every value
that is not an object; objects are composed here with `fixed_dictionaries` over the schema's
declared properties, because hypothesis-jsonschema 0.23.1 cannot generate objects on the
Hypothesis versions installed (`'many' object has no attribute 'more'`).
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import hypothesis
import pytest
import responses
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from billpay.bills.models import Bill, CreditNote, Supplier, SyncRun, TaxRate
from billpay.bills.services import bills_sync, sync_run_queue
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.models import AccountingConnection
from tests.factories import CompanyFactory

SPEC_PATH = Path(__file__).resolve().parents[2] / ".." / "shared" / "codat"
SPEC_FILE = SPEC_PATH / "Codat-Sync-Payables-v1.json"
BASE_URL = "https://codat.test"
PAGE_SIZE = 3  # several pages per data type, in every example with more than 3 records
MAX_RECORDS = 10  # per data type and example
MAX_STRING = 12
MAX_ITEMS = 2

# URL segment, spec schema, local model, its Codat id column, dataStatus key.
DATA_TYPES = {
    "suppliers": ("Supplier", Supplier, "codat_supplier_id", "suppliers"),
    "taxRates": ("TaxRate", TaxRate, "codat_tax_rate_id", "taxRates"),
    "accounts": ("Account", LedgerAccount, "codat_account_id", "chartOfAccounts"),
    "bills": ("Bill", Bill, "codat_bill_id", "bills"),
    "billCreditNotes": ("BillCreditNote", CreditNote, "codat_id", "billCreditNotes"),
}
# Documentation only: nothing to generate from.
_DROP = {
    "description",
    "title",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "discriminator",
    "externalDocs",
    "xml",
    "definitions",
}


# --- the spec's schemas as self-contained JSON Schema ------------------------------------------


def _load_spec() -> dict:
    with open(SPEC_FILE, encoding="utf-8") as handle:
        return json.load(handle)


def _pointer(spec: dict, ref: str):
    node = spec
    for part in ref.removeprefix("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def json_schema(spec: dict, name: str) -> dict:
    """The spec's component schema `name` with every `$ref` resolved, as capped JSON Schema."""
    return _resolve(spec, spec["components"]["schemas"][name], ())


def _resolve(spec: dict, node, seen: tuple):
    if isinstance(node, list):
        return [_resolve(spec, item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"recursive $ref {ref}")
        target = {**_pointer(spec, ref), **{k: v for k, v in node.items() if k != "$ref"}}
        return _resolve(spec, target, (*seen, ref))
    out = {}
    for key, value in node.items():
        if key in _DROP or key.startswith("x-"):
            continue
        if key == "properties":  # names, not keywords: keep every one
            out[key] = {name: _resolve(spec, sub, seen) for name, sub in value.items()}
        else:
            out[key] = _resolve(spec, value, seen)
    if "allOf" in out:
        out = _merge_all_of(out)
    return _cap(out, title=node.get("title"))


def _merge_all_of(node: dict) -> dict:
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for part in node["allOf"]:
        for key, value in part.items():
            if key == "properties":
                properties = merged.setdefault("properties", {})
                for name, sub in value.items():
                    properties[name] = (
                        {"allOf": [properties[name], sub]} if name in properties else sub
                    )
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", ()), *value})
            elif key in merged and merged[key] != value:
                raise ValueError(f"allOf parts disagree on {key}")
            else:
                merged[key] = value
    return merged


def _cap(node: dict, *, title: str | None) -> dict:
    kind = node.get("type")
    if kind == "string" and title == "Date time":
        node = {"type": "string", "format": "codat-date"}
    elif kind == "string":
        if node.get("format") not in FORMATS:
            node.pop("format", None)
        if "enum" not in node and "format" not in node:
            node["maxLength"] = min(node.get("maxLength", MAX_STRING), MAX_STRING)
            node["minLength"] = min(node.get("minLength", 0), node["maxLength"])
    elif kind in ("number", "integer"):
        node.pop("format", None)  # "decimal", "int32": nothing for a generator to honour
    elif kind == "array":
        node["maxItems"] = min(node.get("maxItems", MAX_ITEMS), MAX_ITEMS)
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


# --- strategies ------------------------------------------------------------------------------


def _codat_dates():
    moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))
    return st.one_of(
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")),  # unqualified local time
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),  # UTC
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S-05:00")),  # an offset
        moments.map(lambda d: d.strftime("%Y-%m-%d")),
        st.text(max_size=MAX_STRING),  # schema-valid: the spec says only "string"
    )


FORMATS = {
    "codat-date": _codat_dates(),
    "ISO4217": st.one_of(
        st.sampled_from(["USD", "GBP", "EUR", "JPY", "BHD", "XXX"]), st.text(max_size=4)
    ),
}
# JSON numbers an accounting system plausibly holds, beside the schema's unbounded ones: most
# generated amounts would otherwise be too large for any column, and nothing would be written.
# Floats with few digits: json.dumps writes their shortest repr, which decodes to that Decimal.
_PLAUSIBLE_NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=0, max_value=10**7, places=2).map(float),
)


def strategy(schema: dict):
    """Values valid against `schema` (as resolved above)."""
    if set(schema) == {"anyOf"}:
        return st.one_of([strategy(sub) for sub in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {name: strategy(sub) for name, sub in properties.items() if name in required},
            optional={
                name: strategy(sub) for name, sub in properties.items() if name not in required
            },
        )
    if kind == "array":
        return st.lists(strategy(schema.get("items", {})), max_size=schema["maxItems"])
    values = from_schema(schema, custom_formats=FORMATS)
    if kind == "number":
        return st.one_of(_PLAUSIBLE_NUMBERS, values)
    return values


def record_strategies(schemas: dict[str, dict]) -> dict:
    """One strategy per data type, built once (building them is most of the cost)."""
    strategies = {}
    for data_type, schema in schemas.items():
        # `id` is optional in every one of these schemas; a record without one can only be
        # skipped, so most records are drawn from the same schema with `id` required.
        with_id = {**schema, "required": sorted({*schema.get("required", ()), "id"})}
        with_id_strategy = strategy(with_id)
        strategies[data_type] = st.one_of(strategy(schema), with_id_strategy, with_id_strategy)
    return strategies


@st.composite
def books(draw, records: dict) -> dict[str, list]:
    """A few records of each data type; non-empty ids made unique across the books."""
    served = {}
    for data_type, record in records.items():
        drawn = draw(st.lists(record, max_size=MAX_RECORDS))
        for number, item in enumerate(drawn):
            # Two records with one id are one record to Codat; the empty and missing ids stay
            # as generated (they must be skipped).
            if isinstance(item.get("id"), str) and item["id"]:
                item["id"] = f"{item['id']}~{data_type}{number}"
        served[data_type] = drawn
    supplier_ids = [s["id"] for s in served["suppliers"] if isinstance(s.get("id"), str)]
    for bill in served["bills"]:
        # Many bills point at a supplier in the same books, as in a real ledger.
        if supplier_ids and isinstance(bill.get("supplierRef"), dict) and draw(st.booleans()):
            bill["supplierRef"]["id"] = draw(st.sampled_from(supplier_ids))
    return served


# --- Codat over HTTP --------------------------------------------------------------------------


def _serve(mocked, codat_company_id: str, served: dict[str, list]) -> None:
    company = f"{BASE_URL}/companies/{codat_company_id}"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = {
        key: {
            "dataType": key,
            "currentStatus": "Complete",
            "lastSuccessfulSync": now,
            "latestSyncId": "s1",
            "latestSuccessfulSyncId": "s1",
        }
        for _, _, _, key in DATA_TYPES.values()
    }
    mocked.get(f"{company}/dataStatus", json=status)
    for data_type, records in served.items():
        mocked.add_callback(
            "GET", f"{company}/data/{data_type}", callback=_pages(data_type, records)
        )


def _pages(data_type: str, records: list):
    """Codat's paging envelope over `records`, as the sandbox serves it."""

    def reply(request):
        params = parse_qs(urlparse(request.url).query)
        page, size = int(params["page"][0]), int(params["pageSize"][0])
        path = f"/companies/x/data/{data_type}"
        links = {"self": {"href": path}, "current": {"href": f"{path}?page={page}"}}
        if page * size < len(records):
            links["next"] = {"href": f"{path}?page={page + 1}&pageSize={size}"}
        body = {
            "results": records[(page - 1) * size : page * size],
            "pageNumber": page,
            "pageSize": size,
            "totalResults": len(records),
            "_links": links,
        }
        # json.dumps writes each float as its shortest repr; the client reads it as a Decimal.
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    return reply


# --- the property ----------------------------------------------------------------------------


def _accounting(company, served: dict[str, list]) -> tuple[int, int]:
    """(records that must have been skipped, records not written at all) for this company."""
    must_skip = not_written = 0
    for data_type, records in served.items():
        _, model, key, _ = DATA_TYPES[data_type]
        stored = set(model.objects.filter(company=company).values_list(key, flat=True))
        for record in records:
            if isinstance(record.get("id"), str) and record["id"] in stored:
                continue
            not_written += 1
            # A record deleted in the books before we ever saw it is rightly not written.
            if (record.get("metadata") or {}).get("isDeleted") is not True:
                must_skip += 1
    return must_skip, not_written


@pytest.mark.slow
def test_a_sync_of_any_schema_valid_books_ends_truthfully_and_frees_the_guard(
    transactional_db, settings
):
    settings.CODAT_BASE_URL = BASE_URL
    settings.CODAT_API_KEY = "sk-property"
    settings.CODAT_SYNC_PAGE_SIZE = PAGE_SIZE
    spec = _load_spec()
    schemas = {data_type: json_schema(spec, name) for data_type, (name, *_) in DATA_TYPES.items()}
    totals = {"examples": 0, "records": 0, "written": 0, "skipped": 0}

    @hypothesis.settings(
        max_examples=100,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(books(record_strategies(schemas)))
    def check(served):
        hypothesis.note(f"served: {json.dumps(served)}")
        company = CompanyFactory()
        company.codat_company_id = f"cc-{company.pk}"
        company.save(update_fields=["codat_company_id"])
        AccountingConnection.objects.create(
            company=company,
            codat_connection_id=f"conn-{company.pk}",
            platform_key="qhyg",
            platform_name="QuickBooks Online",
            status=AccountingConnection.Status.LINKED,
        )
        try:
            with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
                _serve(mocked, company.codat_company_id, served)
                run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.COMMAND)

                bills_sync(run_id=run.pk)  # must not raise

                run.refresh_from_db()
                assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED)
                # Schema-valid records are written or skipped one by one: nothing in them may
                # fail the whole run.
                assert run.status == SyncRun.Status.SUCCEEDED, (run.error, run.error_detail)
                must_skip, not_written = _accounting(company, served)
                assert must_skip <= run.skipped <= not_written, (run.skip_reasons, run.counts)
                assert len(run.skip_reasons) <= run.skipped

                again, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.COMMAND)
                assert again.pk != run.pk and again.status == SyncRun.Status.QUEUED
        finally:
            company.delete()  # the next example starts from empty books
        count = sum(len(records) for records in served.values())
        totals["examples"] += 1
        totals["records"] += count
        totals["written"] += count - not_written
        totals["skipped"] += run.skipped

    check()

    # Not vacuous: hundreds of records went through, and both outcomes of a record happened.
    assert totals["records"] >= 300, totals
    assert totals["written"] >= 100, totals
    assert totals["skipped"] >= 10, totals
