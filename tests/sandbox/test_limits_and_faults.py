from decimal import Decimal

from django.test import Client

from billpay.sandbox import faults
from billpay.sandbox.models import SandboxCompany, SandboxPushOperation
from tests.sandbox import spec
from tests.sandbox.conftest import company_path, connection_path


def test_every_response_carries_rate_limit_headers(api, settings):
    settings.SANDBOX_RATE_LIMIT_PER_DAY = 500
    response = api.get("/companies")
    assert response["X-Rate-Limit-Limit"] == "500"
    assert response["X-Rate-Limit-Remaining"] == "499"
    assert "T00:00:00" in response["X-Rate-Limit-Reset"]
    assert response["X-Rate-Limit-Reset"].endswith("Z")
    assert "Retry-After" not in response
    unauthorised = Client().get("/sandbox/api/companies")
    assert "X-Rate-Limit-Remaining" in unauthorised


def test_the_per_minute_quota_answers_429_with_retry_after(api, settings, clock):
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 3
    statuses = [api.get("/companies").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/companies")
    assert int(limited["Retry-After"]) >= 1
    assert limited.body["statusCode"] == 429
    assert "too many requests" in limited.body["error"]
    spec.validate("GET", "/companies", 429, limited.body)
    clock.advance(60)
    assert api.get("/companies").status_code == 200


def test_the_daily_quota_answers_429_until_midnight(api, settings, clock):
    settings.SANDBOX_RATE_LIMIT_PER_DAY = 2
    api.get("/companies")
    api.get("/companies")
    limited = api.get("/companies")
    assert limited.status_code == 429
    assert limited["X-Rate-Limit-Remaining"] == "0"
    assert int(limited["Retry-After"]) <= 86400


def _statuses(api, path, n=30):
    return [api.get(path).status_code for _ in range(n)]


def test_fault_errors_are_deterministic_for_a_seed(api, seeded, settings):
    settings.SANDBOX_FAULT_ERROR_RATE = "0.3"
    path = company_path(seeded) + "/data/bills"
    first = _statuses(api, path)
    faults.reset(seeded.company)
    second = _statuses(api, path)
    assert first == second
    assert {500, 503} & set(first)
    assert 200 in first
    settings.SANDBOX_FAULT_SEED = 99
    faults.reset(seeded.company)
    assert _statuses(api, path) != first


def test_company_fault_fields_override_the_environment(api, seeded):
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(fault_error_rate=Decimal("1"))
    response = api.get(company_path(seeded) + "/data/bills")
    assert response.status_code in (500, 503)
    assert response.body["statusCode"] == response.status_code


def test_429_bursts_refuse_several_requests_in_a_row(api, seeded):
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(
        fault_429_rate=Decimal("1"), fault_429_burst=3
    )
    path = company_path(seeded) + "/data/bills"
    responses = [api.get(path) for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 429]
    assert all(r["Retry-After"] == "1" for r in responses)
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(fault_429_rate=Decimal("0"))
    assert api.get(path).status_code == 200  # the burst is over


def test_a_burst_taken_by_concurrent_requests_ends(api, seeded):
    """Two requests taking a burst's last 429 at once drive its counter below zero: still over.

    It used to read as a burst that never ends (every request a 429 for five minutes), which
    left the short chaos run's payments stuck."""
    from django.core.cache import cache

    SandboxCompany.objects.filter(pk=seeded.company.pk).update(
        fault_429_rate=Decimal("0"), fault_error_rate=Decimal("0"), fault_latency_ms=1
    )
    cache.set(f"sandbox:fault:burst:{seeded.company.pk}", -1, 300)

    assert api.get(company_path(seeded) + "/data/bills").status_code == 200


def test_lost_response_applies_the_push_but_answers_502(api, seeded, clock):
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(
        fault_lost_response_rate=Decimal("1")
    )
    path = connection_path(seeded) + "/push/suppliers"
    headers = {"Idempotency-Key": "lost-1"}
    body = {"supplierName": "Ghost Ltd", "status": "Active"}
    response = api.post(path, body, headers=headers)
    assert response.status_code == 502
    assert SandboxPushOperation.objects.filter(company=seeded.company).count() == 1
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(
        fault_lost_response_rate=Decimal("0")
    )
    retry = api.post(path, body, headers=headers)
    assert retry.status_code == 200
    assert retry.body["pushOperationKey"] == str(SandboxPushOperation.objects.get().key)


def test_reads_never_lose_their_response(api, seeded):
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(
        fault_lost_response_rate=Decimal("1")
    )
    assert api.get(company_path(seeded) + "/data/bills").status_code == 200


def test_latency_is_added(api, seeded, monkeypatch):
    slept = []
    monkeypatch.setattr(faults.time, "sleep", slept.append)
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(fault_latency_ms=250)
    assert api.get(company_path(seeded) + "/data/bills").status_code == 200
    assert slept == [0.25]
