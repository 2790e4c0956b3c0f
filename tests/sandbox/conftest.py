import base64
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import responses
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from billpay.sandbox import clock as sandbox_clock
from billpay.sandbox import seeding
from billpay.sandbox.jsonutil import dumps, loads

API = "/sandbox/api"
KEY = "test-key"
# Codat's documented "Fetch on first link" types for Bill Pay (no taxRates).
FIRST_READ_DEFAULT = (
    "bankAccounts",
    "bills",
    "billPayments",
    "chartOfAccounts",
    "company",
    "paymentMethods",
    "suppliers",
)


@pytest.fixture(autouse=True)
def _sandbox_settings(settings):
    """A quiet, deterministic sandbox: no webhooks or faults unless a test asks."""
    settings.SANDBOX_API_KEYS = [KEY]
    settings.SANDBOX_PUSH_DELAY_SECONDS = 1
    settings.SANDBOX_SYNC_DELAY_SECONDS = 2
    settings.SANDBOX_CACHE_REFRESH_SECONDS = 3600
    settings.SANDBOX_DEFAULT_BILLS = 30
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 10_000
    settings.SANDBOX_RATE_LIMIT_PER_DAY = 100_000
    settings.SANDBOX_FAULT_ERROR_RATE = "0"
    settings.SANDBOX_FAULT_LATENCY_MS = 0
    settings.SANDBOX_FAULT_429_RATE = "0"
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    settings.SANDBOX_FAULT_SEED = 0
    settings.SANDBOX_FIRST_READ_DATA_TYPES = list(FIRST_READ_DEFAULT)
    settings.SANDBOX_FAULT_FIRST_READ_ERROR = ""
    settings.SANDBOX_FAULT_FIRST_READ_ERROR_TYPES = []
    settings.SANDBOX_WEBHOOK_URL = ""
    settings.SANDBOX_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    settings.SANDBOX_WEBHOOK_IN_THREAD = False
    settings.SANDBOX_REDIRECT_URL = (
        "http://app.test/connect/return/?companyId={companyId}&connectionId={connectionId}"
        "&statusCode={statusCode}&errorMessage={errorMessage}&platform={platform}"
    )
    _forget_sandbox_counters()
    yield
    _forget_sandbox_counters()


def _forget_sandbox_counters() -> None:
    """Drop the sandbox's rate-limit and fault counters, and nothing else in a shared Redis."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        client = backend.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("sandbox:*")))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


class FakeClock:
    """Sandbox time that only moves when a test says so."""

    def __init__(self):
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(sandbox_clock, "now", fake)
    return fake


class Api:
    """Django's test client speaking to the sandbox API with a valid key."""

    def __init__(self, key: str = KEY):
        self.client = Client()
        self.auth = "Basic " + base64.b64encode(key.encode()).decode()

    def request(self, method: str, path: str, body=None, params=None, headers=None, **extra):
        url = API + path
        if params:
            url += "?" + urlencode(params)
        kwargs = {"HTTP_AUTHORIZATION": self.auth, **extra}
        for name, value in (headers or {}).items():
            kwargs["HTTP_" + name.upper().replace("-", "_")] = value
        data = dumps(body) if body is not None else ""
        response = getattr(self.client, method.lower())(
            url, data=data, content_type="application/json", **kwargs
        )
        response.body = (
            loads(response.content)
            if response.get("Content-Type", "").startswith("application/json") and response.content
            else None
        )
        return response

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(db):
    return Api()


@pytest.fixture
def seeded(db, clock):
    """A QuickBooks-like company with 40 bills, everything synced."""
    return seeding.seed_company(name="Acme Widgets", platform_key="qhyg", bills=40, seed=7)


@pytest.fixture
def xero(db, clock):
    """A Xero-like company."""
    return seeding.seed_company(name="Kiwi Cafe", platform_key="gbol", bills=20, seed=3)


def company_path(seeded) -> str:
    return f"/companies/{seeded.company.id}"


def connection_path(seeded) -> str:
    return f"/companies/{seeded.company.id}/connections/{seeded.connection.id}"


HOOK = "http://app.test/codat/webhooks"


@pytest.fixture
def receiver(settings, django_capture_on_commit_callbacks):
    """An app that accepts every webhook the sandbox sends (read them with `events`)."""
    settings.SANDBOX_WEBHOOK_URL = HOOK
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, HOOK, status=200)
        yield mock


def events(mock) -> list[dict]:
    """The webhook bodies delivered to `receiver`, oldest first."""
    return [json.loads(call.request.body) for call in mock.calls]
