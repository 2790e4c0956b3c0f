"""Overview (dashboard) benchmark: server time and queries at 1,000 and 100,000 bills of one
company, beside 9 other companies' bills, with three mapped bank accounts, payments in flight and
payments that need someone, and an approval rule (so every aggregate the page has does work).

The bills' groups are cached under the company's bills revision. `dashboard_p95_ms_<n>`, the
scale ratio and the query count are the everyday case: nothing changed between two page views
(warm). `dashboard_p95_ms_cold_<n>` is the page right after a change to the bills: every sample
bumps the revision first, as a write to the bills does, so the aggregate runs each time."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.bench.harness import p95, report, timer
from tests.bench.inbox import (
    LARGE,
    OTHER_BILLS,
    OTHERS,
    ROUNDS,
    SAMPLES,
    SMALL,
    _insert_bills,
    _measure,
)

URL = "/overview/"


def _company():
    from billpay.mapping.models import AccountMapping, LedgerAccount
    from billpay.onboarding.models import AccountingConnection, Company, Membership, User
    from billpay.payments.models import Payment, PaymentSettings

    company = Company.objects.create(name="Bench Overview Ltd", base_currency="USD", country="US")
    AccountingConnection.objects.create(
        company=company,
        codat_connection_id="c",
        platform_key="qhyg",
        platform_name="QuickBooks Online",
        status="linked",
    )
    PaymentSettings.objects.create(company=company, approval_threshold=Decimal("1000.00"))
    today = timezone.localdate()
    for n, currency in enumerate(("USD", "EUR", "GBP")):
        account = LedgerAccount.objects.create(
            company=company,
            codat_account_id=f"bank-{currency}",
            name=f"Current {currency}",
            account_type="Asset",
            status="Active",
            currency=currency,
            current_balance=Decimal("250000.00"),
            is_bank_account=True,
        )
        AccountMapping.objects.create(
            company=company, method="bank_transfer", currency=currency, account=account
        )
        for k, status in enumerate(["scheduled"] * 5 + ["failed", "on_hold"]):
            Payment.objects.create(
                company=company,
                reference=f"BP-{n}{k:04d}",
                codat_supplier_id="sup",
                supplier_name="Northwind Plumbing Ltd",
                method="bank_transfer",
                account=account,
                codat_account_id=account.codat_account_id,
                currency=currency,
                total_amount=Decimal("120.00"),
                payment_date=today + timedelta(days=k),
                status=status,
            )
    user = User.objects.create_user(email="bench-overview@example.com", password="bench-pass-1")
    Membership.objects.create(user=user, company=company, role="owner")
    client = Client()
    client.force_login(user)
    session = client.session
    session["company_id"] = company.pk
    session.save()
    return company, client


def _vacuum() -> None:
    """What autovacuum does soon after a bulk load: mark the pages all-visible, so the overview's
    aggregate is answered from its covering index alone (an Index Only Scan, no heap visits)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE bills_bill")


def _measure_cold(client: Client, company_id: int) -> float:
    """p95 server time in ms of the page right after a change to the bills (best of ROUNDS)."""
    from billpay.bills.services import bills_changed

    p95s = []
    for _ in range(ROUNDS):
        samples = []
        for _ in range(SAMPLES):
            bills_changed(company_id=company_id)  # no transaction here: bumped at once
            with timer() as t:
                response = client.get(URL)
            assert response.status_code == 200
            samples.append(t["s"] * 1000)
        p95s.append(p95(samples))
    return min(p95s)


def run() -> None:
    from billpay.bills.services import bills_changed
    from billpay.onboarding.models import Company

    rng = random.Random(13)
    for n in range(OTHERS):
        other = Company.objects.create(
            name=f"Overview other {n}", base_currency="USD", country="US"
        )
        _insert_bills(other.pk, OTHER_BILLS, 0, rng)
    company, client = _company()
    floor_ms, _ = _measure(client, "/health/live/")
    results = {}
    existing = 0
    for size in (SMALL, LARGE):
        _insert_bills(company.pk, size - existing, existing, rng)
        bills_changed(company_id=company.pk)  # as the sync does after writing bills
        existing = size
        _vacuum()
        results[size] = _measure(client, URL)
        report(f"dashboard_p95_ms_{size}", results[size][0], floor=floor_ms)
        cold = _measure_cold(client, company.pk)
        report(f"dashboard_p95_ms_cold_{size}", cold, floor=floor_ms)
    report("dashboard_queries", max(q for _, q in results.values()), "<= 10")
    report("dashboard_scale_ratio", results[LARGE][0] / results[SMALL][0], "<= 1.5")
