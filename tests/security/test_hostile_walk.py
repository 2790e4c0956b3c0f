"""Every URL pattern of the project, walked with hostile input: no answer is ever a 5xx.

The walk reads the URL conf, so a new page is walked without anyone adding it here (an unknown
path parameter fails the walk until it is given a value below). Each route gets:

- its path parameters replaced, one at a time, by hostile values of their kind;
- query strings and form bodies in which every field name a view reads holds a hostile value.
  The values rotate over the fields (round r gives field i value (i + r) mod n), so every field
  meets every value in len(values) requests rather than fields × values;
- each field the values of its kind (number, date, key, cursor, text: `kind_of`) plus values
  every field gets (NUL, 10,000 characters, non-ASCII digits, markup and SQL);
- some routes get "contexts": fixed valid fields that let the hostile ones reach deeper code (a
  formset with a valid management form, a sort that makes the cursor parse as an amount, a
  payment form for a real bill);
- each request as GET, as POST and as an htmx POST. A probe first records which of the fields
  the view reads from request.GET/POST (`read_recorder`); only those rotate, and a way of
  sending that reads nothing (a 405, a page that ignores its query string) is sent once. That
  keeps the whole walk to well under a minute in `make test`.

App pages run as the owner of a company; the admin as a superuser; the sandbox API with its
Basic key and without it. Values cover NUL, overlong text, non-ASCII digits, huge and special
numbers, too many decimals, impossible dates, broken base64 cursors and JSON, markup, SQL-ish
text and lone surrogates (percent-encoded, since the client cannot send them as text).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote as admin_quote
from django.http import QueryDict
from django.test import Client
from django.utils.datastructures import MultiValueDict

from billpay.onboarding.services.members import Invitation, invitation_token_make
from billpay.sandbox.models import SandboxLedgerRecord
from billpay.sandbox.seeding import seed_company
from tests.factories import (
    AccountMappingFactory,
    ExpenseAccountFactory,
    TaxRateFactory,
)
from tests.security.admin_rows import admin_rows
from tests.security.conftest import KWARG, app_routes, build_world, logged_in

pytestmark = pytest.mark.django_db


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


LONG = "x" * 10_000
SOME_KEY = "3f2b8c1e-9d4a-4c6e-8f0a-1b2c3d4e5f60"

# Every field gets these, whatever it holds.
UNIVERSAL = [
    "",
    "1\x00",
    LONG,
    "١٢٣",  # Arabic-Indic digits: int() and Decimal() read them as 123
    "²",  # str.isdigit() says yes, int() says no
    "<script>alert(1)</script>' OR 1=1; --\r\nSet-Cookie: x=1",
]
# A lone surrogate, percent-encoded (%ED%A0%80): invalid UTF-8. A form or query string decodes
# it to U+FFFD, so it is sent where it survives: in paths and JSON bodies.
SURROGATE = "\ud800"
# And each field the values of its kind.
NUMBERS = [
    "Ⅻ",
    "١٢٣٫٤٥",
    "9" * 40,
    "9" * 5_000,
    "1e999",
    "-0",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
    "1.23456789",
    "0.001",
    "-5.00",
]
DATES = ["2026-02-30", "99999-01-01", "0000-00-00", "9999-12-31", "٢٠٢٦-٠١-٠١", "2026-1-1", "-1"]
KEYS = [
    "%%%",
    "YWJj=",
    SOME_KEY[:-1],
    "{" + SOME_KEY + "}",
    "urn:uuid:" + SOME_KEY,
    "0" * 32,
    SOME_KEY.replace("1", "١"),
    "9" * 40,
]
CURSORS = [
    "%%%",
    "YWJj=",
    b64("abc def"),
    b64('{"a": 1}'),
    b64("[1]"),
    b64(json.dumps(["2026-02-30", 1])),
    b64(json.dumps(["2026-01-01", "9" * 40])),
    b64(json.dumps(["1e999", 1])),
    b64(json.dumps(["NaN", 1])),
    b64(json.dumps(["99999999999999999.99999", 1])),
    b64(json.dumps(["x", 2**70])),
    b64(json.dumps([LONG, 1])),
    b64(json.dumps(["\u0000", 1])),
    b64("[NaN, 1]"),
    "A" * 5_000,
]
TEXT = ["{", '{"a":', "%%%", "YWJj=", b64('{"a": 1}'), "9" * 40, "١٢٣٫٤٥", "../../etc"]
KINDS = {"number": NUMBERS, "date": DATES, "key": KEYS, "cursor": CURSORS, "text": TEXT}


def kind_of(name: str) -> str:
    """What a field holds, by its name (anything unknown is text, and gets the text values)."""
    if name in ("after", "before"):
        return "cursor"
    if name in ("submission_key", "form_token", "pending_attachment"):
        return "key"
    if name.endswith(("_date", "date_from", "date_to")):
        return "date"
    numeric = (
        "quantity",
        "unit_amount",
        "amount",
        "threshold",
        "page",
        "account",
        "tax_rate",
        "FORMS",
        "bill",
        "company",
        "statusCode",
        "supplier",
        "pageSize",
        "timeoutInMinutes",
    )
    if name.endswith(numeric) or name.startswith("amount_"):
        return "number"
    return "text"


# Path parameter values per converter. An <int:> only ever matches ASCII digits; hostile ones
# are the ones that still match.
INT_PATH = ["0", "9" * 40, "9223372036854775808"]
STR_PATH = ["\x00", LONG, "١٢٣", "9" * 40, "%%%", "YWJj=", "<script>", "..", SURROGATE, " "]
PATH_PATH = [*STR_PATH, "a/b", "a/../../b", "x/" * 50]

# Every field name a view of the app reads (forms, request.GET/POST, selectors).
APP_FIELDS = [
    # inbox filters, cursors, payments list
    "view",
    "q",
    "supplier",
    "currency",
    "review",
    "sort",
    "after",
    "before",
    "page",
    "status",
    "date_from",
    "date_to",
    # bill review and notes, sync
    "decision",
    "reason",
    "text",
    "next",
    # bill and supplier forms
    "action",
    "submission_key",
    "new_supplier_name",
    "new_supplier_email",
    "reference",
    "issue_date",
    "due_date",
    "note",
    "pending_attachment",
    "confirm_duplicate",
    "lines-TOTAL_FORMS",
    "lines-INITIAL_FORMS",
    "lines-MIN_NUM_FORMS",
    "lines-MAX_NUM_FORMS",
    "lines-0-description",
    "lines-0-quantity",
    "lines-0-unit_amount",
    "lines-0-account",
    "lines-0-tax_rate",
    "lines-0-DELETE",
    "lines-1-quantity",
    "lines-1-unit_amount",
    "name",
    "contact_name",
    "email",
    "phone",
    "tax_number",
    "default_currency",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    # mapping and bank accounts
    "method",
    "account",
    "account_name",
    "account_number",
    "nominal_code",
    "institution",
    # payments
    "bill",
    "payment_date",
    "form_token",
    "approval_threshold",
    # onboarding, connection, auth
    "full_name",
    "password1",
    "password2",
    "company_name",
    "base_currency",
    "company",
    "platform",
    "companyId",
    "connectionId",
    "statusCode",
    "errorMessage",
    "username",
    "password",
    "new_password1",
    "new_password2",
    "old_password",
]
SANDBOX_FIELDS = [
    "query",
    "orderBy",
    "page",
    "pageSize",
    "tags",
    "connectionId",
    "timeoutInMinutes",
    "forceUpdate",
    "platform",
    "action",
    "p_companyId",
    "p_" + "x" * 300,
    "p_\x00",
    "p_<b>",
]
ADMIN_VALUES = [
    "\x00",
    LONG,
    "١٢٣",
    "9" * 40,
    "-1",
    "2026-02-30",
    "%%%",
    "<script>",
    "1e999",
    "' OR 1=1; --",
    "",
]
ADMIN_QUERY_FIELDS = ["q", "o", "p", "e", "all", "_changelist_filters", "_popup", "_facets"]
JSON_BODIES = [
    b"",
    b"{",
    b"[]",
    b"null",
    b"\xff\xfe",
    b'{"name": "\\u0000"}',
    b'{"name": "\\ud800"}',
    json.dumps({"name": LONG, "description": LONG, "tags": {LONG: LONG}}).encode(),
    b'{"name": "x", "tags": {"a\\u0000": 1}}',
    b'{"name": 1e999, "totalAmount": 1e999, "amount": -1e999, "quantity": NaN}',
    b'{"status": "Unlinked", "platformKey": "\\u0661\\u0662\\u0663\\u0664"}',
    json.dumps(
        {
            "reference": "R",
            "totalAmount": "9" * 40,
            "issueDate": "2026-02-30",
            "lineItems": [{"unitAmount": "١٢٣", "quantity": -1}],
            "supplierRef": [1],
        }
    ).encode(),
]


def encode(data: dict) -> str:
    """A form-encoded string; lone surrogates become the bytes of invalid UTF-8, as a browser
    would never send but anyone else can."""
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass")


def path_value(value: str) -> str:
    return quote(value, safe="/", encoding="utf-8", errors="surrogatepass")


def rounds(fields: list[str], values: list[str] | None = None) -> list[dict[str, str]]:
    """Dicts over `fields` in which every field takes every value of its kind (plus UNIVERSAL)
    once: round r gives field i value (i + r) mod n of its list, so the number of requests is
    the length of the longest list, not fields × values. `values` overrides the kinds."""
    lists = {f: values or [*UNIVERSAL, *KINDS[kind_of(f)]] for f in fields}
    n = max((len(v) for v in lists.values()), default=0)
    return [{f: vs[(i + r) % len(vs)] for i, (f, vs) in enumerate(lists.items())} for r in range(n)]


# --- which fields a request reads ------------------------------------------------------------------
# A probe request records the keys a view reads from request.GET/POST (directly or through a
# form); the hostile rounds then rotate only those, and a method whose probe reads nothing (a
# 405, a detail page) needs no rounds at all. This is what keeps the walk fast enough for
# `make test`: most of the cost was rendering pages that never look at what they were sent.

_reads: set | None = None
ALL = "*"


def _recording(method):
    def wrapped(self, key, *args, **kwargs):
        if _reads is not None and isinstance(self, QueryDict) and dict.__len__(self):
            _reads.add(key)
        return method(self, key, *args, **kwargs)

    return wrapped


def _recording_all(method):
    def wrapped(self, *args, **kwargs):
        if _reads is not None and isinstance(self, QueryDict) and dict.__len__(self):
            _reads.add(ALL)
        return method(self, *args, **kwargs)

    return wrapped


def _unrecorded(method):
    def wrapped(self, *args, **kwargs):
        global _reads
        saved, _reads = _reads, None
        try:
            return method(self, *args, **kwargs)
        finally:
            _reads = saved

    return wrapped


@pytest.fixture(autouse=True)
def read_recorder(monkeypatch):
    """Record (only while a probe runs) which keys a view reads from request.GET and .POST.

    An empty QueryDict (request.POST of a GET) is not recorded: nothing was sent there."""
    for name in ("__getitem__", "get", "_getlist", "__contains__"):
        monkeypatch.setattr(MultiValueDict, name, _recording(getattr(MultiValueDict, name)))
    for name in ("items", "lists", "values", "dict", "keys", "__iter__"):
        monkeypatch.setattr(MultiValueDict, name, _recording_all(getattr(MultiValueDict, name)))
    monkeypatch.setattr(QueryDict, "urlencode", _recording_all(QueryDict.urlencode))
    # Building a QueryDict, or copying one, touches every key; what counts is what the view
    # then reads.
    for cls, name in (
        (QueryDict, "__init__"),
        (QueryDict, "__deepcopy__"),
        (QueryDict, "copy"),
        (MultiValueDict, "__deepcopy__"),
        (MultiValueDict, "copy"),
        (MultiValueDict, "__copy__"),
        (MultiValueDict, "appendlist"),
        (MultiValueDict, "setlistdefault"),
        (MultiValueDict, "setlist"),
        (MultiValueDict, "update"),
    ):
        monkeypatch.setattr(cls, name, _unrecorded(getattr(cls, name)))


@dataclass
class Context:
    """Fixed valid fields, and which fields (and values) rotate around them."""

    fixed: dict = field(default_factory=dict)
    fields: list[str] | None = None  # None: every field of the walk but the fixed ones
    values: list[str] | None = None  # None: UNIVERSAL and the values of each field's kind


SENT = [0]


@dataclass
class Walk:
    """Requests sent and 5xx answers seen, with the exception behind each."""

    client: Client
    errors: list = field(default_factory=list)
    sent: int = 0

    def send(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes | str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        **headers,
    ):
        url = f"{path}?{query}" if query else path
        call = getattr(self.client, method.lower())
        if method == "GET":
            response = call(url, headers=headers)
        else:
            response = call(url, data=body or "", content_type=content_type, headers=headers)
        self.sent += 1
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            reason = f"{exc[0].__name__}: {str(exc[1])[:200]}" if exc else ""
            where = _short(path) + (f" ?{_short_query(query)}" if query else "")
            if body:
                where += f" body {_short_query(body)}"
            self.errors.append((method, where, response.status_code, reason, headers))
        SENT[0] += 1
        return response

    def probe(self, method: str, path: str, data: dict, **headers) -> tuple[set, tuple]:
        """The keys of `data` the view reads when sent it (ALL when it reads every key), and
        what it answered (status, redirect, body without its per-request CSRF tokens)."""
        global _reads
        assert MultiValueDict.get.__name__ == "wrapped", "the read_recorder fixture is not active"
        _reads = set()
        try:
            encoded = encode(data)
            if method == "GET":
                response = self.send("GET", path, query=encoded, **headers)
            else:
                response = self.send(method, path, body=encoded, **headers)
            body = b"" if getattr(response, "streaming", False) else response.content
            answer = (response.status_code, response.get("Location"), CSRF.sub(b"", body))
            return set(_reads), answer
        finally:
            _reads = None

    def with_contexts(self, path: str, fields: list[str], contexts: list[Context], **extra) -> None:
        """For each context and each way of sending (GET, POST, htmx POST): the rounds over the
        fields the view reads."""
        ways = (("GET", {}), ("POST", {}), ("POST", {"HX_Request": "true"}))
        for number, context in enumerate(contexts):
            rotating = [f for f in (context.fields or fields) if f not in context.fixed]
            probe_data = {**dict.fromkeys(rotating, ""), **context.fixed}
            # Later contexts only reach deeper parsing, which htmx does not change: one POST.
            answers = {}
            for method, headers in ways if number == 0 else ways[:2]:
                headers = {**headers, **extra}
                read, answers[method, bool(headers.get("HX_Request"))] = self.probe(
                    method, path, probe_data, **headers
                )
                wanted = rotating if ALL in read else [f for f in rotating if f in read]
                if not wanted:
                    continue
                if headers.get("HX_Request") and answers["POST", True] == answers["POST", False]:
                    continue  # the view answers htmx exactly as a plain POST: nothing new to walk
                for data in rounds(wanted, context.values):
                    encoded = encode({**context.fixed, **data})
                    if method == "GET":
                        self.send("GET", path, query=encoded, **headers)
                    else:
                        self.send("POST", path, body=encoded, **headers)

    def path_params(self, route: str, valid: dict[str, str]) -> None:
        """Each path parameter in turn hostile (the others valid), with no body."""
        for match in KWARG.finditer(route):
            converter, name = match.group(1) or "str", match.group(2)
            for value in {"int": INT_PATH, "path": PATH_PATH}.get(converter, STR_PATH):
                path = concrete_path(route, {**valid, name: path_value(value)})
                self.send("GET", path)
                self.send("POST", path)
                self.send("POST", path, HX_Request="true")

    def uploads(self, path: str) -> None:
        """Invoice files with hostile names and contents (multipart, as the browser sends them)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        pdf = b"%PDF-1.4\n%%EOF\n"
        files = [
            ("a\x00b.pdf", pdf),
            ("x" * 5_000 + ".pdf", pdf),
            ("../../etc/passwd", pdf),
            ("<script>.pdf", b"MZ\x90\x00"),
            ("empty.pdf", b""),
            ("\r\nX: y.pdf", pdf),
        ]
        for name, content in files:
            for data in ({}, {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0"}):
                upload = SimpleUploadedFile(name, content, content_type="application/pdf")
                response = self.client.post(path, {**data, "attachment": upload})
                self.sent += 1
                if response.status_code >= 500:
                    self.errors.append(
                        (
                            "POST",
                            f"{path} file {name[:40]!r}",
                            response.status_code,
                            repr(getattr(response, "exc_info", None)),
                            {},
                        )
                    )


CSRF = re.compile(rb'(?<=csrfmiddlewaretoken" value=")[^"]+|(?<="X-CSRFToken": ")[^"]+')


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} chars)"


def _short_query(data: str | bytes) -> str:
    """A query string or form body, each value cut short, for reading in a failure."""
    if isinstance(data, bytes):
        return _short(repr(data), 120)
    pairs = parse_qsl(data, keep_blank_values=True)
    return " ".join(f"{k}={_short(v, 24)!r}" for k, v in pairs) if pairs else _short(data, 120)


def concrete_path(route: str, values: dict[str, str]) -> str:
    def fill(match) -> str:
        name = match.group(2)
        assert name in values, f"The hostile walk has no value for <{name}> in {route!r}"
        return str(values[name])

    return "/" + KWARG.sub(fill, route)


def _report(walk: Walk) -> str:
    lines = [f"{len(walk.errors)} answers ≥ 500 out of {walk.sent} requests:"]
    seen = set()
    for method, url, status, reason, headers in walk.errors:
        key = (method, reason)
        if key not in seen:
            seen.add(key)
            lines.append(f"  {method} {url} {headers or ''} → {status} {reason}")
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def _memory_cache(settings):
    """The cache in this process's memory: what the walk tests is parsing, and a Redis round
    trip (a new client each time) for every rate-limit count and cached list was a fifth of it."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "walk"}
    }


@pytest.fixture(autouse=True)
def _fast_templates(monkeypatch):
    """The test client copies every template context of every response for `response.context`;
    the walk never looks, and it is a third of the cost of a form page."""
    from django.template.base import Template
    from django.test.utils import _TestState

    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Every 4xx of the walk is a log line; thousands of them cost seconds and say nothing."""
    import logging

    names = ("django.request", "django.security", "axes", "billpay")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)  # the walk reports its own 5xx, with the exception
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


ROUTES = app_routes()
APP_ROUTES = [r for r, _ in ROUTES if not r.startswith(("admin/", "sandbox/"))]
SANDBOX_ROUTES = [r for r, _ in ROUTES if r.startswith("sandbox/")]
SKIPPED = {
    # The lead's, walked by tests/security/test_webhooks.py with signed hostile bodies.
    "webhooks/codat/",
}


# --- the app ---------------------------------------------------------------------------------------


@dataclass
class AppWorld:
    client: Client
    anonymous: Client
    path: dict[str, str]
    contexts: dict[str, list[Context]]


@pytest.fixture
def app_world(settings, monkeypatch) -> AppWorld:
    from django.core.cache import cache

    cache.clear()  # bill_currencies and login throttling are cached per id / per user
    # Nothing reaches a broker: enqueued tasks are dropped.
    monkeypatch.setattr("celery.app.task.Task.apply_async", lambda *a, **k: None)
    world = build_world(
        name="Walk Ltd",
        email="walker@walk.example",
        supplier="Walk Supplies",
        reference="WALK-1",
        line="Walk line",
        total=Decimal("120.00"),
        payment_ref="PAYWALK1",
        bank_account="Walk bank",
        attachment="walk.pdf",
    )
    world.account.currency = "USD"
    world.account.save()
    AccountMappingFactory(
        company=world.company, method="bank_transfer", currency="USD", account=world.account
    )
    expense = ExpenseAccountFactory(company=world.company)
    tax = TaxRateFactory(company=world.company)
    token = invitation_token_make(
        invitation=Invitation(
            company_id=world.company.pk,
            email="new@walk.example",
            role="accountant",
            invited_by_id=world.owner.pk,
        )
    )
    bill = world.bill.pk
    valid_bill = {
        "submission_key": str(uuid.uuid4()),
        "supplier": str(world.supplier.pk),
        "reference": "INV-1",
        "issue_date": "2026-01-01",
        "due_date": "2026-02-01",
        "currency": "USD",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Pipes",
        "lines-0-quantity": "2",
        "lines-0-unit_amount": "50",
        "lines-0-account": str(expense.pk),
        "lines-0-tax_rate": str(tax.pk),
    }
    line_fields = [f for f in APP_FIELDS if f.startswith("lines-") and "FORMS" not in f]
    bill_contexts = [
        Context(),
        # "Add lines" reads the posted line count itself.
        Context(fixed={"action": "add_lines"}, fields=["lines-TOTAL_FORMS"]),
        # A valid header and management form, so each line's fields are read, and a line whose
        # hostile value still parses (a huge amount) reaches the totals and the save.
        Context(
            fixed={k: v for k, v in valid_bill.items() if k not in line_fields}, fields=line_fields
        ),
    ]
    inbox_contexts = [
        Context(),
        # The cursor's key parses as the sort's column: a date, an amount or a name.
        *[
            Context(fixed={"sort": s}, fields=["after", "before"], values=CURSORS)
            for s in ("issue", "amount", "supplier")
        ],
    ]
    pay = {
        "bill": str(bill),
        "method": "bank_transfer",
        "payment_date": "2099-01-01",
        "form_token": str(uuid.uuid4()),
        "note": "n",
    }
    contexts = {
        "bills/": inbox_contexts,
        "bills/new/": bill_contexts,
        "bills/<int:bill_id>/edit/": [bill_contexts[0], bill_contexts[2]],  # same forms as new
        "bills/new/totals/": bill_contexts[2:],
        # a draft's confirm form is the new-bill form
        "inbound/<int:draft_id>/": [bill_contexts[0], bill_contexts[2]],
        # recurring bills take the new-bill form's lines
        "recurring/new/": [bill_contexts[0], bill_contexts[1]],
        "recurring/<int:template_id>/edit/": [bill_contexts[0], bill_contexts[1]],
        "payments/new/": [
            Context(),  # the picked bills themselves: ?bill=² was int("²"), a 500
            Context(fixed={"bill": str(bill)}, fields=[*APP_FIELDS, f"amount_{bill}"]),
            # A payable bill and a valid form but the amount: it reaches the service.
            Context(fixed=pay, fields=[f"amount_{bill}"]),
        ],
        "settings/payment-accounts/save/": [
            Context(),
            Context(fixed={"method": "bank_transfer", "currency": "USD"}, fields=["account"]),
        ],
    }
    return AppWorld(
        client=logged_in(world.owner, world.company, raise_request_exception=False),
        anonymous=Client(raise_request_exception=False),
        path={
            "bill_id": str(bill),
            "supplier_id": str(world.supplier.pk),
            "payment_id": str(world.payment.pk),
            "request_id": str(world.bank_request.pk),
            "attachment_id": world.attachment.codat_attachment_id,
            "run_id": str(world.run.pk),
            "group_id": str(world.group.pk),
            "membership_id": str(world.membership.pk),
            "rule_id": str(world.rule.pk),
            "kind": "payment",
            "object_id": str(world.payment.pk),
            "template_id": str(world.recurring.pk),
            "draft_id": str(world.draft.pk),
            "token": token,
            "uidb64": "MQ",
        },
        contexts=contexts,
    )


def _needs_no_login(route: str) -> bool:
    return route in {
        "signup/",
        "login/",
        "password-reset/",
        "password-reset/<uidb64>/<token>/",
        "invitations/<str:token>/",
        "health/",
        "health/live/",
    }


@pytest.mark.parametrize("route", [r for r in APP_ROUTES if r not in SKIPPED])
def test_no_app_page_answers_5xx_whatever_it_is_sent(route, app_world):
    client = app_world.anonymous if _needs_no_login(route) else app_world.client
    walk = Walk(client)
    valid = dict(app_world.path)
    if route == "password-reset/<uidb64>/<token>/":
        valid["token"] = "set-password"
    path = concrete_path(route, valid)

    walk.path_params(route, valid)
    walk.with_contexts(path, APP_FIELDS, app_world.contexts.get(route, [Context()]))
    if route == "bills/new/":
        walk.uploads(path)

    assert not walk.errors, _report(walk)


# --- the sandbox (a fake Codat with its own API key) -------------------------------------------


SANDBOX_KEY = "sandbox-key"


@pytest.fixture
def sandbox_world(settings):
    from tests.sandbox.conftest import _forget_sandbox_counters

    settings.SANDBOX_API_KEYS = [SANDBOX_KEY]
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 1_000_000
    settings.SANDBOX_RATE_LIMIT_PER_DAY = 1_000_000
    settings.SANDBOX_WEBHOOK_URL = ""
    settings.SANDBOX_WEBHOOK_IN_THREAD = False
    for name in ("ERROR_RATE", "429_RATE", "LOST_RESPONSE_RATE"):
        setattr(settings, f"SANDBOX_FAULT_{name}", "0")
    settings.SANDBOX_FAULT_LATENCY_MS = 0
    _forget_sandbox_counters()
    seeded = seed_company(name="Walk sandbox", bills=3, seed=5)
    bill = SandboxLedgerRecord.objects.filter(company=seeded.company, data_type="bills").first()
    yield {
        "company_id": str(seeded.company.pk),
        "connection_id": str(seeded.connection.pk),
        "bill_id": bill.record_id,
        "attachment_id": str(uuid.uuid4()),
        "payment_id": "p1",
        "supplier_id": "s1",
        "data_type": "bills",
        "dataset_id": str(uuid.uuid4()),
        "push_key": str(uuid.uuid4()),
        "record_id": "r1",
        "rest": "nowhere",
    }
    _forget_sandbox_counters()


def _auth(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()


# The read endpoints of the nine data types are one view each (list_view, detail_view): bills
# gets the whole walk, the other types a shorter one over the same code.
SAME_CODE = re.compile(r"/data/(?!bills)(?!all|queue|history|info)[A-Za-z]+(/<str:record_id>)?$")


@pytest.mark.parametrize("route", SANDBOX_ROUTES, ids=str)
def test_no_sandbox_endpoint_answers_5xx_whatever_it_is_sent(route, sandbox_world):
    walk = Walk(Client(raise_request_exception=False))
    path = concrete_path(route, sandbox_world)
    auth = {"Authorization": _auth(SANDBOX_KEY)}
    bad_auths = [
        "Basic %%%",
        "Basic " + base64.b64encode(b"\xff\xfe").decode(),
        _auth("\x00"),
        "Bearer x",
        "Basic " + "A" * 10_000,
    ]
    short = bool(SAME_CODE.search(route))

    # A JSON API: htmx means nothing to it, GET and POST reach every handler's lookups. The
    # company and connection ids are looked up by the same code on every route: each route
    # gives its own last parameter every value, the shared ones a few.
    own = KWARG.findall(route)[-1][1] if KWARG.search(route) else None
    for match in KWARG.finditer(route):
        name = match.group(2)
        values = STR_PATH if name == own and not short else STR_PATH[:3]
        for value in values:
            hostile = concrete_path(route, {**sandbox_world, name: path_value(value)})
            walk.send("GET", hostile, **auth)
            walk.send("POST", hostile, **auth)
    for header in bad_auths if route == "sandbox/api/companies" else bad_auths[:1]:
        walk.send("GET", path, Authorization=header)
    if short:
        for data in rounds(SANDBOX_FIELDS)[:5]:
            walk.send("GET", path, query=encode(data), **auth)
    else:
        walk.with_contexts(path, SANDBOX_FIELDS, [Context()], **auth)
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            probe = walk.send(method, path, body=b"{}", content_type="application/json", **auth)
            if probe.status_code == 405:
                continue
            for body in JSON_BODIES:
                walk.send(method, path, body=body, content_type="application/json", **auth)
            for key in ("\x00", LONG, "١٢٣", " "):
                walk.send(
                    method,
                    path,
                    body=b"{}",
                    content_type="application/json",
                    Idempotency_Key=key,
                    **auth,
                )

    assert not walk.errors, _report(walk)


# --- the admin (staff, as a superuser) ------------------------------------------------------------

ADMIN_MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
ADMIN_QUERY_FIELDS = ["q", "o", "p", "e", "all", "_changelist_filters", "_popup", "_facets"]
ADMIN_VALUES = ["\x00", LONG, "١٢٣", "9" * 40, "2026-02-30", "' OR 1=1; --<script>%%%"]
ADMIN_IDS = ["\x00", "9" * 40, "١٢٣", SURROGATE]


def _admin_fields(model) -> list[str]:
    """The model's own field names and the lookups its list filters and date hierarchy read."""
    model_admin = admin.site._registry[model]
    names = [f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)]
    lookups = []
    for item in model_admin.list_filter:
        name = item if isinstance(item, str) else getattr(item, "parameter_name", "")
        if name:
            lookups += [f"{name}__exact", f"{name}__isnull"]
    if model_admin.date_hierarchy:
        lookups += [f"{model_admin.date_hierarchy}__{p}" for p in ("year", "month", "day")]
    return [*dict.fromkeys([*ADMIN_QUERY_FIELDS, *lookups, *names])]


def _staff_walk() -> tuple[Walk, object]:
    world = admin_rows()
    client = Client(raise_request_exception=False)
    client.force_login(world.superuser)
    return Walk(client), world


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_no_admin_page_answers_5xx_whatever_it_is_sent(model):
    walk, world = _staff_walk()
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    change = f"{base}{admin_quote(world.rows[model].pk)}/change/"

    for value in ADMIN_IDS:
        walk.send("GET", f"{base}{path_value(value)}/change/")
    for suffix in ("", "delete/", "history/"):  # the same lookup behind each
        walk.send("GET", f"{base}{path_value(ADMIN_IDS[1])}/{suffix}")
    writable = [
        url for url in (f"{base}add/", change) if walk.send("POST", url, body="").status_code != 403
    ]
    hierarchy = admin.site._registry[model].date_hierarchy
    if hierarchy:  # month and day are read only after a valid year
        parts = [f"{hierarchy}__month", f"{hierarchy}__day"]
        for data in rounds(parts, [*ADMIN_VALUES, "0", "13", "32", "9999"]):
            walk.send("GET", base, query=encode({f"{hierarchy}__year": "9998", **data}))
        walk.send("GET", base, query=encode({f"{hierarchy}__year": "9999", parts[0]: "12"}))
    for number, data in enumerate(rounds(_admin_fields(model), ADMIN_VALUES)):
        query = encode(data)
        walk.send("GET", base, query=query)
        if number == 0:
            walk.send("POST", base, body=query)  # the changelist's actions
        # The add and change pages share the form: every round on one, two on the other.
        for url in writable[:1] if number > 1 else writable:
            walk.send("POST", url, body=query)

    assert not walk.errors, _report(walk)


def test_no_other_admin_page_answers_5xx_whatever_it_is_sent():
    walk, world = _staff_walk()
    fields = [
        "app_label",
        "model_name",
        "field_name",
        "term",
        "next",
        "old_password",
        "new_password1",
        "new_password2",
        "password1",
        "password2",
        "username",
        "password",
    ]
    pages = [
        "/admin/",
        "/admin/bills/",
        "/admin/password_change/",
        "/admin/jsi18n/",
        "/admin/autocomplete/",
        f"/admin/onboarding/user/{world.superuser.pk}/password/",
    ]

    for value in ADMIN_IDS:
        v = path_value(value)
        for page in (
            f"/admin/{v}/",
            f"/admin/r/{v}/{v}/",
            f"/admin/r/1/{v}/",
            f"/admin/onboarding/user/{v}/password/",
        ):
            walk.send("GET", page)
    for page in pages:
        walk.with_contexts(page, fields, [Context(values=ADMIN_VALUES)])
    for data in rounds(["term", "page"], ADMIN_VALUES):  # the Membership form's autocompletes
        for field_name in ("user", "company", "\x00"):
            query = {
                "app_label": "onboarding",
                "model_name": "membership",
                "field_name": field_name,
                **data,
            }
            walk.send("GET", "/admin/autocomplete/", query=encode(query))

    assert not walk.errors, _report(walk)


def test_the_admin_login_and_logout_never_answer_5xx():
    walk = Walk(Client(raise_request_exception=False))

    walk.with_contexts("/admin/login/", ["username", "password", "next"], [Context()])

    assert not walk.errors, _report(walk)
