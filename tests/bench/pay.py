"""Pay benchmarks: Codat calls per paid bill, and 1,000 bills paid through Celery and Redis.

`run()` needs the benchmark server (`with harness.server(): pay.run()`): the sandbox answers
the app's Codat calls over HTTP, and the second figure starts a real Celery worker.
"""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from unittest import mock

from tests.bench.harness import ENV, ROOT, report, timer

CALLS_BILLS = 20
MANY = 1_000


def linked_company(
    name: str, bills: int, *, suppliers: int | None = None, balance: Decimal | None = None
):
    """A sandbox company with generated books, linked to an app company, synced, its bank
    accounts mapped for bank transfers; with `balance`, every bank account holds that much."""
    from billpay.bills.models import SyncRun
    from billpay.bills.services import bills_sync, sync_run_queue
    from billpay.mapping.models import AccountMapping, LedgerAccount
    from billpay.onboarding.models import AccountingConnection, Company, Membership, User
    from billpay.sandbox.seeding import seed_company

    seeded = seed_company(name=name, bills=bills, suppliers=suppliers, seed=5)
    if balance is not None:
        _fund(seeded.company, balance)
    company = Company.objects.create(
        name=name, base_currency="USD", country="US", codat_company_id=str(seeded.company.pk)
    )
    AccountingConnection.objects.create(
        company=company,
        codat_connection_id=str(seeded.connection.pk),
        platform_key="qhyg",
        platform_name="QuickBooks Online",
        status=AccountingConnection.Status.LINKED,
    )
    owner = User.objects.create_user(f"owner-{company.pk}@example.com", "x")
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.COMMAND)
    bills_sync(run_id=run.pk)
    for account in LedgerAccount.objects.filter(
        company=company, is_bank_account=True, account_type="Asset", status="Active"
    ):
        AccountMapping.objects.get_or_create(
            company=company,
            method="bank_transfer",
            currency=account.currency,
            defaults={"account": account},
        )
    return company, owner, seeded


def _fund(sandbox_company, balance: Decimal) -> None:
    """Every bank account in the books (and Codat's copy of them) holds `balance`."""
    from billpay.sandbox.models import SandboxCacheRecord, SandboxLedgerRecord

    for model in (SandboxLedgerRecord, SandboxCacheRecord):
        rows = list(model.objects.filter(company=sandbox_company, data_type="chartOfAccounts"))
        for row in rows:
            if row.data.get("isBankAccount"):
                row.data["currentBalance"] = balance
        model.objects.bulk_update(rows, ["data"])


def payable(company, count: int | None = None) -> list:
    """The company's bills that can be paid now from a mapped account (the first `count`)."""
    from billpay.bills.models import Bill
    from billpay.mapping.models import AccountMapping

    currencies = AccountMapping.objects.filter(company=company).values_list("currency", flat=True)
    bills = Bill.objects.filter(
        company=company,
        amount_due__gt=0,
        codat_status__in=["Open", "PartiallyPaid"],
        is_deleted=False,
        issue_date__lte=date.today(),
        currency__in=list(currencies),
    ).order_by("pk")
    if count is None:
        return list(bills)
    chosen = list(bills[:count])
    assert len(chosen) == count, f"only {len(chosen)} payable bills"
    return chosen


def _queue(company, owner, bill):
    from billpay.payments.services import payment_confirm, payment_prepare

    payment = payment_prepare(
        company=company,
        actor=owner,
        bill_ids=[bill.pk],
        method="bank_transfer",
        amounts={bill.pk: bill.amount_due},
        payment_date=date.today(),
    )
    payment_confirm(company=company, actor=owner, payment_id=payment.pk)
    return payment


@contextmanager
def _counting():
    """Count every HTTP try the app's Codat client makes (each try is one Codat call)."""
    from billpay.codat.transport import CodatTransport

    counts = {"calls": 0}
    original = CodatTransport._attempt

    def counted(self, *args, **kwargs):
        counts["calls"] += 1
        return original(self, *args, **kwargs)

    with mock.patch.object(CodatTransport, "_attempt", counted):
        yield counts


def _calls_per_bill(*, webhooks: bool) -> float:
    """Happy path, one payment per bill, tasks run inline; Codat's own work simulated directly."""
    from django.test import override_settings

    from billpay.bills.models import SyncRun
    from billpay.bills.services import bills_sync, sync_run_queue
    from billpay.onboarding.models import WebhookEvent
    from billpay.payments.models import Payment
    from billpay.payments.services import payment_verify
    from billpay.pushes.services import push_advance
    from billpay.pushes.tasks import push_write_event
    from billpay.sandbox import lazy, pushes

    company, owner, seeded = linked_company(f"Bench calls {webhooks}", CALLS_BILLS * 2)
    bills = payable(company, CALLS_BILLS)
    grace = 60 if webhooks else 0
    with (
        mock.patch("celery.app.task.Task.apply_async"),
        override_settings(PUSH_WEBHOOK_GRACE_SECONDS=grace),
        _counting() as counts,
    ):
        for bill in bills:
            payment = _queue(company, owner, bill)
            payment.refresh_from_db()
            push_advance(push_id=payment.push_id)
            if webhooks:
                # Codat finishes the push by itself and sends billPayments.write.successful.
                [op] = pushes.advance_pushes(seeded.company)
                payload = {
                    "payload": {
                        "id": str(op.key),
                        "status": op.status,
                        "record": {"id": op.record_id},
                    }
                }
                push_write_event(event=WebhookEvent(company=company, payload=payload))
                # Codat finishes the bills refresh and sends read.completed: the app syncs bills.
                lazy.advance(seeded.company)
                run, _ = sync_run_queue(
                    company=company, trigger=SyncRun.Trigger.WEBHOOK, data_types=["bills"]
                )
                bills_sync(run_id=run.pk)
            else:
                push_advance(push_id=payment.push_id)
            for _ in range(5):
                payment.refresh_from_db()
                if payment.status != Payment.Status.PENDING:
                    break
                payment_verify(payment_id=payment.pk)
            assert payment.status == Payment.Status.VERIFIED, payment.status
    return counts["calls"] / len(bills)


# Without webhooks, the worker follows its pushes at once and then often.
POLLING = {"PUSH_WEBHOOK_GRACE_SECONDS": "0", "PUSH_POLL_DELAYS": "0,1,1,2,2,4,4,8,8,16,30,60"}


@contextmanager
def worker(concurrency: int = 8, settings: dict[str, str] | None = None):
    """A real Celery worker on the benchmark's Redis: POLLING settings unless others are given."""
    env = {**os.environ, **ENV, **(POLLING if settings is None else settings)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "billpay",
            "worker",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def _many_bills() -> tuple[float, int]:
    from billpay.payments.models import Payment

    company, owner, _seeded = linked_company("Bench pay 1000", int(MANY * 1.6))
    bills = payable(company, MANY)
    with mock.patch("celery.app.task.Task.apply_async"):
        ids = [_queue(company, owner, bill).pk for bill in bills]
    # The payments are queued; the worker starts with the clock.
    from billpay.pushes.tasks import push_advance_task

    push_ids = list(Payment.objects.filter(pk__in=ids).values_list("push_id", flat=True))
    with worker(), timer() as t:
        for push_id in push_ids:
            push_advance_task.delay(push_id=push_id)
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            left = (
                Payment.objects.filter(pk__in=ids)
                .exclude(status__in=[Payment.Status.VERIFIED, Payment.Status.FAILED])
                .count()
            )
            if not left:
                break
            time.sleep(0.5)
    failed = Payment.objects.filter(pk__in=ids, status=Payment.Status.FAILED).count()
    return t["s"], failed


def run() -> None:
    report("pay_api_calls_per_bill_webhooks", _calls_per_bill(webhooks=True), "<= 3")
    report("pay_api_calls_per_bill_polling", _calls_per_bill(webhooks=False))
    seconds, failed = _many_bills()
    report("pay_1000_bills_s", seconds)
    report("pay_1000_bills_failed", failed, "0")
    report("pay_1000_bills_per_s", MANY / seconds if seconds else 0)
