"""The chaos scenario, run as its own process: `python -m tests.chaos.scenario [--full]`.

It reuses the benchmark harness (`tests.bench.harness`): its own PostgreSQL database, created,
migrated and flushed by `harness.setup_django`, and gunicorn serving the app and its sandbox.
The server alone gets the SANDBOX_FAULT_* profile (faults are the sandbox's, server side); the
Celery worker is a real `celery -A billpay worker --pool prefork --concurrency 2` subprocess in
its own process group, without any fault setting, SIGKILLed (the whole group) at seeded moments
and started again. The broker and the cache are a Redis database of their own (flushed first).

Beat does not run. A SIGKILLed worker loses its unacked messages until Redis's visibility
timeout (an hour), so the recovery is what production's beat does, called from this loop:
`sync_start` (beat's sync-all: it also expires runs quiet for SYNC_STALE_SECONDS) while the
first sync is unfinished, and beat's two sweeps (`push_sweep_task`: re-kicks pushes with no
news; `payments_verify_sweep_task`: re-checks recorded payments) every second. Their thresholds
are shortened through the settings the app reads
(SYNC_STALE_SECONDS, PUSH_STALE_CLAIM_SECONDS, PUSH_SWEEP_SECONDS): seconds
instead of the production minutes, still longer than any push of these runs takes (a stale
claim is looked up, never re-sent blindly; a claim taken for stale while its push is still in
flight is the one window the lookup cannot close, so the threshold must exceed the longest push).

Prints `name=value` figures and exits 1 when a check fails (the reasons on stderr).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

from tests.chaos import isolation


@dataclass(frozen=True)
class Size:
    bills: int
    payments: int
    latency_ms: int
    page_size: int
    sync_kills: int
    pay_kills: int
    pay_kill_window: tuple[float, float]  # seconds after the payments are queued
    sync_deadline: float  # seconds for the first sync, kills and recovery included
    pay_deadline: float  # seconds for every payment to end verified or failed
    sync_stale_seconds: int  # SYNC_STALE_SECONDS
    stale_claim_seconds: int  # PUSH_STALE_CLAIM_SECONDS (> the longest push: ~5 s here)
    sweep_quiet_seconds: int  # PUSH_SWEEP_SECONDS


SHORT = Size(
    bills=500,
    payments=30,
    latency_ms=20,
    page_size=100,
    sync_kills=1,
    pay_kills=2,
    pay_kill_window=(0.5, 4.0),
    sync_deadline=45,
    pay_deadline=90,
    sync_stale_seconds=8,
    stale_claim_seconds=20,
    sweep_quiet_seconds=20,
)
FULL = Size(
    bills=5000,
    payments=300,
    latency_ms=200,
    page_size=500,
    sync_kills=3,
    pay_kills=6,
    pay_kill_window=(2.0, 150.0),
    sync_deadline=900,
    pay_deadline=1200,
    sync_stale_seconds=30,
    stale_claim_seconds=30,
    sweep_quiet_seconds=60,
)

# The sandbox's fault profile (the issue's): 20 % 5xx, 429 bursts with Retry-After, added
# latency and 5 % of writes applied but answered 502 ("lost response").
FAULTS = {
    "SANDBOX_FAULT_ERROR_RATE": "0.20",
    "SANDBOX_FAULT_429_RATE": "0.03",
    "SANDBOX_FAULT_429_BURST": "3",
    "SANDBOX_FAULT_LOST_RESPONSE_RATE": "0.05",
}
BEAT_EVERY = 1.0  # seconds between the loop's beat calls (sync request / payments sweep)


def chaos_urls() -> tuple[str, str]:
    """The chaos database and Redis URLs: CHAOS_*, else DATABASE_URL's name + `_chaos` and
    REDIS_URL's server with database 11 (never the suite's own databases)."""
    db = os.environ.get("CHAOS_DATABASE_URL")
    if not db:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/billpay")
        head, name = base.rsplit("/", 1)
        db = base if name.endswith("_chaos") else f"{head}/{name}_chaos"
    redis_url = os.environ.get("CHAOS_REDIS_URL")
    if not redis_url:
        parts = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"))
        redis_url = urlunsplit(parts._replace(path="/11"))
    return db, redis_url


class Worker:
    """A real Celery worker subprocess (prefork, 2 processes) that can be SIGKILLed."""

    def __init__(self, env: dict[str, str], log: Path, root: Path):
        self.env, self.log, self.root = env, log, root
        self.process: subprocess.Popen | None = None
        self.kills = 0
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "billpay",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "2",
                    "--loglevel",
                    "WARNING",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: a kill takes the pool processes too
                preexec_fn=isolation.die_with_parent,  # never outlives this run
            )
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        with suppress(ProcessLookupError):  # it died by itself: count the kill anyway
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="5,000 bills and 300 payments")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("CHAOS_SEED", "7")))
    args = parser.parse_args()
    size = FULL if args.full else SHORT
    rng = random.Random(args.seed)
    started = time.monotonic()

    db, redis_url = chaos_urls()
    try:
        isolation.claim(db, redis_url)  # before anything is flushed; ours until we exit
    except isolation.ClaimError as exc:
        print(f"CHAOS FAILURE: {exc}", file=sys.stderr, flush=True)
        return 1
    os.environ["BENCH_DATABASE_URL"], os.environ["BENCH_REDIS_URL"] = db, redis_url
    # The app settings of this process and the worker: short thresholds for the recovery that
    # beat drives in production, polling instead of webhooks, small pages (progress marks).
    app_env = {
        "PUSH_WEBHOOK_GRACE_SECONDS": "0",
        "PUSH_POLL_DELAYS": "1,1,1,2,2,2,3,3,5,5",
        "PUSH_STALE_CLAIM_SECONDS": str(size.stale_claim_seconds),
        "PUSH_SWEEP_SECONDS": str(size.sweep_quiet_seconds),
        "SYNC_STALE_SECONDS": str(size.sync_stale_seconds),
        "SYNC_WAIT_SECONDS": "1",
        "CODAT_SYNC_PAGE_SIZE": str(size.page_size),
    }
    os.environ.update(app_env)
    for name in [n for n in os.environ if n.startswith("SANDBOX_FAULT_")]:
        del os.environ[name]

    from tests.bench import harness

    harness.setup_django()
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # the chaos broker and cache only

    from tests.bench.harness import report

    var = harness.ROOT / "var" / "chaos"
    var.mkdir(parents=True, exist_ok=True)
    worker_log = var / "worker.log"
    worker_log.unlink(missing_ok=True)
    (var / "server.log").unlink(missing_ok=True)
    # Faults are the sandbox's (server side): the worker gets no SANDBOX_FAULT_* at all.
    worker_env = {**os.environ, **harness.ENV, **app_env}
    worker_env = {k: v for k, v in worker_env.items() if not k.startswith("SANDBOX_FAULT_")}
    worker = Worker(worker_env, worker_log, harness.ROOT)
    server_faults = {
        **FAULTS,
        "SANDBOX_FAULT_LATENCY_MS": str(size.latency_ms),
        "SANDBOX_FAULT_SEED": str(args.seed),
    }

    failures: list[str] = []
    report("chaos_bills", size.bills)
    report("chaos_payments", size.payments)
    report("chaos_seed", args.seed)
    for name, value in server_faults.items():
        report(name.lower(), value)
    company, seeded, owner = _company(size)
    report("setup_s", time.monotonic() - started)
    with ExitStack() as stack:
        with mock.patch.dict(os.environ, server_faults), _output_to(var / "server.log"):
            stack.enter_context(harness.server(workers=2, threads=4))  # faults: server only
        stack.callback(worker.stop)
        worker.start()
        t = time.monotonic()
        sync_runs = _first_sync(company, size, rng, worker, failures)
        report("sync_s", time.monotonic() - t)
        report("sync_runs", sync_runs)
        report("sync_kills", worker.kills)
        if not failures:
            _check_sync(company, seeded, failures)
        if not failures:
            t = time.monotonic()
            kills_before = worker.kills
            payment_ids, ledger_before, sweeps = _pay(company, owner, size, rng, worker, failures)
            report("pay_s", time.monotonic() - t)
            report("pay_kills", worker.kills - kills_before)
            report("sweep_rekicks", sweeps)
            _check_payments(company, seeded, payment_ids, ledger_before, failures)
        from billpay.sandbox import faults

        injected = faults.injected()
    for kind, count in injected.items():
        report(f"faults_injected_{kind}", count)
    report("faults_injected", sum(injected.values()))
    log = worker_log.read_text(errors="replace")
    report("client_retries", len(re.findall(r"codat retry ", log)))
    report("client_errors_raised", len(re.findall(r"codat \S+ \S+ failed: ", log)))
    report("worker_kills", worker.kills)
    report("worker_starts", worker.starts)
    report("total_s", time.monotonic() - started)
    for failure in failures:
        print(f"CHAOS FAILURE: {failure}", file=sys.stderr, flush=True)
    report("chaos_ok", int(not failures))
    return 1 if failures else 0


@contextmanager
def _output_to(path: Path):
    """Point this process's stdout and stderr at a file while a child that inherits them starts
    (the sandbox logs every injected fault as a 5xx/429 request: thousands of lines)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with path.open("ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _company(size: Size):
    """Sandbox books of `size.bills` bills and our company linked to them (not synced yet)."""
    from billpay.onboarding.models import AccountingConnection, Company, Membership, User
    from billpay.sandbox.seeding import seed_company

    seeded = seed_company(name="Chaos Ltd", bills=size.bills, seed=11)
    company = Company.objects.create(
        name="Chaos Ltd", base_currency="USD", country="US", codat_company_id=str(seeded.company.pk)
    )
    AccountingConnection.objects.create(
        company=company,
        codat_connection_id=str(seeded.connection.pk),
        platform_key="qhyg",
        platform_name="QuickBooks Online",
        status=AccountingConnection.Status.LINKED,
    )
    owner = User.objects.create_user("owner@chaos.example.com", "x")
    Membership.objects.create(company=company, user=owner, role=Membership.Role.OWNER)
    return company, seeded, owner


def _first_sync(company, size: Size, rng: random.Random, worker: Worker, failures) -> int:
    """The first sync through the worker; kills at seeded points of its progress."""
    from billpay.bills.models import SyncRun
    from billpay.bills.tasks import sync_start

    sync_start(company=company, trigger=SyncRun.Trigger.LINK)  # enqueued: autocommit
    # Kill when the running run has read a seeded share of the bills (a moment mid-sync).
    marks = sorted(rng.uniform(0.1, 0.9) * size.bills for _ in range(size.sync_kills))
    deadline = time.monotonic() + size.sync_deadline
    last_beat = time.monotonic()
    while time.monotonic() < deadline:
        runs = SyncRun.objects.filter(company=company)
        if runs.filter(status=SyncRun.Status.SUCCEEDED).exists():
            return runs.count()
        running = runs.filter(status=SyncRun.Status.RUNNING).first()
        if marks and running is not None and running.records_read >= marks[0]:
            marks.pop(0)
            worker.kill()
            time.sleep(rng.uniform(0, 1))
            worker.start()
        if time.monotonic() - last_beat >= BEAT_EVERY:
            # Beat's sync-all: expires a run that died with its worker, queues a new one.
            sync_start(company=company, trigger=SyncRun.Trigger.SCHEDULE)
            last_beat = time.monotonic()
        time.sleep(0.1)
    states = list(SyncRun.objects.filter(company=company).values_list("status", "records_read"))
    failures.append(f"the first sync did not finish in {size.sync_deadline}s: {states}")
    return len(states)


def _check_sync(company, seeded, failures) -> None:
    """The mirror holds exactly the sandbox's (Codat cache's) live bills, per currency."""
    from billpay.bills.models import Bill, Supplier
    from billpay.sandbox.models import SandboxCacheRecord

    def cache_figures(data_type: str):
        rows = SandboxCacheRecord.objects.filter(
            company=seeded.company, data_type=data_type, is_deleted=False
        ).values_list("data", flat=True)
        return list(rows)

    expected: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    records = cache_figures("bills")
    for data in records:
        sums = expected[data["currency"]]
        sums[0] += 1
        sums[1] += Decimal(str(data["totalAmount"]))
        sums[2] += Decimal(str(data["amountDue"]))
    ours: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for currency, total, due in Bill.objects.filter(company=company, is_deleted=False).values_list(
        "currency", "total_amount", "amount_due"
    ):
        sums = ours[currency]
        sums[0] += 1
        sums[1] += total
        sums[2] += due
    from tests.bench.harness import report

    report("sync_bills_sandbox", len(records))
    report("sync_bills_ours", sum(int(s[0]) for s in ours.values()))
    for currency in sorted(set(expected) | set(ours)):
        count, total, due = expected[currency]
        report(f"sync_{currency}_bills", f"{int(ours[currency][0])}/{int(count)}")
        cents = Decimal("0.01")
        report(
            f"sync_{currency}_amount_due",
            f"{ours[currency][2].quantize(cents)}/{due.quantize(cents)}",
        )
        if [int(count), total, due] != [int(ours[currency][0]), *ours[currency][1:]]:
            failures.append(
                f"sync {currency}: sandbox count/total/due {int(count)}/{total}/{due}, "
                f"ours {int(ours[currency][0])}/{ours[currency][1]}/{ours[currency][2]}"
            )
    suppliers = len(cache_figures("suppliers"))
    our_suppliers = Supplier.objects.filter(company=company, is_deleted=False).count()
    report("sync_suppliers", f"{our_suppliers}/{suppliers}")
    if suppliers != our_suppliers:
        failures.append(f"sync: sandbox has {suppliers} suppliers, we have {our_suppliers}")


def _pay(company, owner, size: Size, rng: random.Random, worker: Worker, failures):
    """Queue the payments (the worker starts on them at once); kill, sweep, wait for the end."""
    from billpay.mapping.models import AccountMapping, LedgerAccount
    from billpay.payments.models import Payment
    from billpay.payments.tasks import payments_verify_sweep_task
    from billpay.pushes.tasks import push_sweep_task
    from billpay.sandbox.models import SandboxLedgerRecord
    from tests.bench.pay import _queue, payable

    for account in LedgerAccount.objects.filter(
        company=company, is_bank_account=True, account_type="Asset", status="Active"
    ):
        AccountMapping.objects.get_or_create(
            company=company,
            method="bank_transfer",
            currency=account.currency,
            defaults={"account": account},
        )
    bills = payable(company, size.payments)
    before = set(
        SandboxLedgerRecord.objects.filter(
            company_id=company.codat_company_id, data_type="billPayments"
        ).values_list("pk", flat=True)
    )
    ids = [_queue(company, owner, bill).pk for bill in bills]  # each enqueued on commit
    t0 = time.monotonic()
    kills = sorted(rng.uniform(*size.pay_kill_window) for _ in range(size.pay_kills))
    last_sweep, sweeps = t0, 0
    final = [Payment.Status.VERIFIED, Payment.Status.FAILED]
    while time.monotonic() - t0 < size.pay_deadline:
        left = Payment.objects.filter(pk__in=ids).exclude(status__in=final).count()
        if not left:
            return ids, before, sweeps
        if kills and time.monotonic() - t0 >= kills[0]:
            kills.pop(0)
            worker.kill()
            time.sleep(rng.uniform(0, 1))
            worker.start()
        if time.monotonic() - last_sweep >= BEAT_EVERY:
            sweeps += push_sweep_task() + payments_verify_sweep_task()  # beat's sweeps
            last_sweep = time.monotonic()
        time.sleep(0.2)
    stuck = Counter(
        Payment.objects.filter(pk__in=ids)
        .exclude(status__in=final)
        .values_list("status", flat=True)
    )
    failures.append(f"payments stuck after {size.pay_deadline}s: {dict(stuck)}")
    return ids, before, sweeps


def _check_payments(company, seeded, ids, ledger_before, failures) -> None:
    """Exactly one bill payment in the ledger per payment; failed ones with a reason and none;
    no other new bill payment; the books' amountDue equal to ours for every paid bill."""
    from billpay.bills.models import Bill
    from billpay.payments.models import Payment, PaymentAllocation
    from billpay.sandbox.models import SandboxLedgerRecord
    from tests.bench.harness import report

    S = Payment.Status
    # The bill payments the books gained during the run (the demo books already hold some).
    in_ledger = Counter(
        data.get("reference")
        for data in SandboxLedgerRecord.objects.filter(
            company=seeded.company, data_type="billPayments", is_deleted=False
        )
        .exclude(pk__in=ledger_before)
        .values_list("data", flat=True)
    )
    payments = list(Payment.objects.filter(pk__in=ids))
    by_status = Counter(p.status for p in payments)
    ours = {p.reference for p in payments}
    duplicates = sum(n - 1 for ref, n in in_ledger.items() if ref in ours and n > 1)
    missing = [
        p.reference for p in payments if p.status == S.VERIFIED and in_ledger[p.reference] == 0
    ]
    phantom = [p.reference for p in payments if p.status == S.FAILED and in_ledger[p.reference]]
    unexplained = [p.reference for p in payments if p.status == S.FAILED and not p.status_reason]
    strangers = sum(n for ref, n in in_ledger.items() if ref not in ours)
    stuck = sum(n for status, n in by_status.items() if status not in (S.VERIFIED, S.FAILED))
    report("payments_verified", by_status[S.VERIFIED])
    report("payments_failed", by_status[S.FAILED])
    report("payments_stuck", stuck)
    report("ledger_bill_payments", sum(in_ledger.values()))
    report("duplicates", duplicates)
    report("missing_in_ledger", len(missing))
    report("failed_but_in_ledger", len(phantom))
    report("failed_without_reason", len(unexplained))
    report("unknown_new_bill_payments", strangers)
    report("write_attempts", sum(p.attempt for p in payments))
    if duplicates:
        failures.append(f"{duplicates} duplicate bill payments in the ledger")
    if missing:
        failures.append(f"verified but not in the ledger: {missing}")
    if phantom:
        failures.append(f"failed but in the ledger: {phantom}")
    if unexplained:
        failures.append(f"failed without a reason: {unexplained}")
    if strangers:
        failures.append(f"{strangers} new bill payments in the ledger are not ours")
    if stuck:
        failures.append(f"{stuck} payments neither verified nor failed")
    # The books' amountDue against our mirror (and against what was paid) for every paid bill.
    ledger_bills = dict(
        SandboxLedgerRecord.objects.filter(company=seeded.company, data_type="bills").values_list(
            "record_id", "data"
        )
    )
    mismatched = []
    allocations = PaymentAllocation.objects.filter(payment_id__in=ids, payment__status=S.VERIFIED)
    for allocation in allocations.select_related("bill"):
        books = Decimal(str(ledger_bills[allocation.codat_bill_id]["amountDue"]))
        bill = Bill.objects.get(pk=allocation.bill_id)
        paid = allocation.amount_due_before - allocation.amount
        if not (books == bill.amount_due == paid):
            mismatched.append(
                (allocation.codat_bill_id, str(books), str(bill.amount_due), str(paid))
            )
    report("amount_due_mismatches", len(mismatched))
    if mismatched:
        failures.append(f"books' amountDue / ours / expected differ: {mismatched[:10]}")


if __name__ == "__main__":
    sys.exit(main())
