"""Pay-run benchmark: one run of 1,000 bills of 200 suppliers, as an owner pays it, to the end.

The app: a sandbox company (QuickBooks Online profile, a few currencies) with 1,000 payable bills
spread over 200 suppliers, synced into the app, every bank account mapped and holding enough
money for the run. The owner selects the 1,000 bills, the run groups them (supplier × currency
× account: about 200 bill payments), is approved if the policy asks, and is confirmed, all
through `billpay.runs.services` as the review page calls them. From the confirm, a real Celery
worker (Redis broker, WORKER_CONCURRENCY processes) writes every group back and verifies it;
the benchmark server (gunicorn) serves the sandbox and receives its webhooks over HTTP, signed,
as Codat delivers them; a clock in this process does Codat's own work every CLOCK_SECONDS
(`make run`'s beat does it every 2 s): it finishes due pushes and reads and sends their webhooks.

- `payrun_1000_calls_per_bill`: requests the server's access log shows under the sandbox's API
  from the confirm until every group is verified (each is one Codat call the app made: the worker
  and the web app are the only ones asking then), ÷ 1,000 bills.
- `payrun_1000_s`: wall time from the confirm until every group is verified (or failed).
- `payrun_1000_floor_ratio`: that ÷ the floor's time.
- `payrun_1000_failed`: groups not verified at the end (failed, or still under way at the
  deadline).
- `payrun_1000_duplicates`: bill payments that appeared in the sandbox's ledger (the books
  themselves, not Codat's cache) beyond one per group.

The floor: a bare `billpay.codat` client in a loop, in this process against the same server, on
a twin sandbox company (the same generated books: the same ids), doing what the run must do at
the least: push the run's ~200 bill payments (the very bodies the app sent), wait for each push
operation to finish, queue one refresh of bills, wait for it, and read the bills it changed
(one paged read, as the app's incremental sync asks for them). No database, no retries, no
bookkeeping: what any client of Codat pays for the same outcome.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from billpay.codat.serialize import loads
from tests.bench.harness import BASE, ROOT, report, timer
from tests.bench.pay import linked_company, payable, worker

BILLS, SUPPLIERS = 1_000, 200
SEEDED_BILLS = 1_700  # about 70 % of generated bills can be paid: 1,000 of 200 suppliers
BALANCE = Decimal("100000000.00")  # every bank account covers the run: no overdraw to confirm
CLOCK_SECONDS = 1.0
DEADLINE_SECONDS = 1800
API = "/sandbox/api/"
WEBHOOKS = "/webhooks/codat/"
ACCESS_LOG = ROOT / "var" / "bench" / "payrun-access.log"
# The server: Codat's webhooks delivered to the app over HTTP, as in production.
SERVER_ENV = {"SANDBOX_WEBHOOK_URL": f"{BASE}{WEBHOOKS}"}
# The worker: the settings' own defaults (it waits for webhooks before asking Codat itself).
WORKER_SETTINGS: dict[str, str] = {}
# Two processes per core of the benchmark machine (2 cores), the worker's sends waiting on HTTP
# half the time. With 8 the sends took the cores from the sandbox serving them: it finished the
# pushes (and sent their webhooks) at a third of its pace, so more follow-ups found them Pending.
WORKER_CONCURRENCY = 4


def run() -> None:
    """Needs `harness.server(env=SERVER_ENV, access_log=ACCESS_LOG)` running."""
    company, owner, seeded = linked_company(
        "Bench pay run", SEEDED_BILLS, suppliers=SUPPLIERS, balance=BALANCE
    )
    twin = _twin(seeded)
    bills = _spread(payable(company), BILLS)
    _purge()  # tasks an earlier run left in the broker name rows this database no longer has
    outcome = _pay_run(company, owner, bills)  # one run: PAY_RUN_MAX_BILLS is 1,000
    floor_s, floor_calls = _floor(twin, outcome["bodies"])
    _purge()  # the floor's webhooks (a company the app does not know) wait for no worker
    report(
        "payrun_1000_calls_per_bill",
        outcome["calls"] / len(bills),
        f"<= 0.3 ({outcome['calls']} calls; floor {floor_calls})",
    )
    report("payrun_1000_s", outcome["s"])
    report(
        "payrun_1000_floor_ratio",
        outcome["s"] / floor_s,
        f"<= 2 (floor {floor_s:.1f} s, {len(outcome['bodies'])} bill payments)",
    )
    report("payrun_1000_failed", outcome["failed"], "0")
    report("payrun_1000_duplicates", _duplicates(seeded.company, outcome["references"]), "0")
    print(f"# payrun app calls: {_breakdown(outcome['lines'])}", flush=True)


# --- the company and its bills ---------------------------------------------------------------


def _twin(seeded):
    """A second sandbox company with the same books (same seed and size: the same ids)."""
    from billpay.sandbox.seeding import seed_company

    return seed_company(name="Bench pay run floor", bills=SEEDED_BILLS, suppliers=SUPPLIERS, seed=5)


def _spread(bills: list, count: int) -> list:
    """`count` bills taken in turn from each supplier, so every supplier is in the run."""
    by_supplier: dict[str, list] = defaultdict(list)
    for bill in bills:
        by_supplier[bill.codat_supplier_id].append(bill)
    queues = list(by_supplier.values())
    chosen: list = []
    while len(chosen) < count and queues:
        queues = [q for q in queues if q]
        for queue in queues:
            if len(chosen) < count:
                chosen.append(queue.pop(0))
    assert len(chosen) == count, f"only {len(chosen)} payable bills"
    return chosen


# --- the app's run ---------------------------------------------------------------------------


def _purge() -> None:
    from billpay.celery import app

    app.control.purge()


def _pay_run(company, owner, bills) -> dict:
    """The owner's run of `bills`, from the confirm until every group is verified (or failed)."""
    from billpay.payments.models import Payment
    from billpay.runs.models import PayRunGroup
    from billpay.runs.selectors import run_bills_needing_approval
    from billpay.runs.services import run_approve, run_confirm, run_create

    run = run_create(company=company, actor=owner, bill_ids=[b.pk for b in bills])
    assert run.bill_count == len(bills), run.left_out[:5]
    if run_bills_needing_approval(company=company, run=run):
        run = run_approve(company=company, actor=owner, run_id=run.pk, form_token=run.form_token)
    groups = PayRunGroup.objects.filter(run=run)
    final = [Payment.Status.VERIFIED, Payment.Status.FAILED]
    with sandbox_clock(), worker(concurrency=WORKER_CONCURRENCY, settings=WORKER_SETTINGS):
        log = AccessLog()
        with timer() as t:
            run_confirm(company=company, actor=owner, run_id=run.pk, form_token=run.form_token)
            deadline = time.monotonic() + DEADLINE_SECONDS
            while time.monotonic() < deadline:
                if not groups.exclude(payment__status__in=final).exists():
                    break
                time.sleep(0.25)
        lines = log.lines()
    payments = Payment.objects.filter(pk__in=groups.values("payment_id")).select_related("push")
    return {
        "s": t["s"],
        "lines": lines,
        "calls": len(api_calls(lines)),
        "failed": sum(p.status != Payment.Status.VERIFIED for p in payments),
        "references": {p.reference for p in payments},
        "bodies": [loads(p.push.body) for p in payments],
    }


# --- the floor -------------------------------------------------------------------------------


def _floor(twin, bodies: list[dict]) -> tuple[float, int]:
    """The bare client's time for the same pushes, one refresh and one read; and its calls."""
    from django.conf import settings

    from billpay.codat import CodatClient

    company_id, connection_id = str(twin.company.pk), str(twin.connection.pk)
    client = CodatClient(settings.CODAT_BASE_URL, settings.CODAT_API_KEY)
    with sandbox_clock(), client, timer() as t:
        started = datetime.now(UTC)
        keys = [
            client.create_bill_payment(
                company_id=company_id,
                connection_id=connection_id,
                bill_payment=body,
                idempotency_key=str(uuid.uuid4()),
            ).push_operation_key
            for body in bodies
        ]
        for key in keys:
            while (
                op := client.get_push_operation(company_id=company_id, push_operation_key=key)
            ).status == "Pending":
                time.sleep(0.05)
            assert op.status == "Success", (op.status, op.error_message)
        pull = client.refresh_data_type(company_id=company_id, data_type="bills")
        while not client.get_pull_operation(company_id=company_id, dataset_id=pull.id).is_completed:
            time.sleep(0.05)
        read = sum(
            1
            for _ in client.list_bills(
                company_id=company_id,
                query=f"modifiedDate>={started.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}",
                page_size=settings.CODAT_SYNC_PAGE_SIZE,
            )
        )
    assert read >= len(bodies), f"the floor read {read} bills back"
    return t["s"], sum(client.request_counts.values())


# --- Codat's side: its clock, its ledger, the calls it answered ------------------------------


@contextmanager
def sandbox_clock(seconds: float = CLOCK_SECONDS):
    """Codat's own work, as beat's sandbox-tick does it in `make run`: finish due pushes and
    reads, and send their webhooks (to the app, over HTTP)."""
    from django.db import connection
    from django.test import override_settings

    from billpay.sandbox.tasks import sandbox_tick_task

    stop = threading.Event()

    def tick() -> None:
        try:
            while not stop.wait(seconds):
                sandbox_tick_task.apply()
        finally:
            connection.close()

    with override_settings(**SERVER_ENV):
        thread = threading.Thread(target=tick, name="sandbox-clock", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def _duplicates(sandbox_company, references: set[str]) -> int:
    """Bill payments in the books carrying a group's reference, beyond one per group."""
    from billpay.sandbox.models import SandboxLedgerRecord

    found = Counter(
        data.get("reference")
        for data in SandboxLedgerRecord.objects.filter(
            company=sandbox_company, data_type="billPayments", is_deleted=False
        ).values_list("data", flat=True)
    )
    missing = [r for r in references if not found[r]]
    assert not missing, f"{len(missing)} groups have no bill payment in the books"
    return sum(found[r] - 1 for r in references)


class AccessLog:
    """The server's access log from a mark on: the requests it answered since."""

    def __init__(self, path=ACCESS_LOG):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def lines(self) -> list[str]:
        with open(self.path, encoding="utf-8") as log:
            log.seek(self.offset)
            return log.read().splitlines()


ID = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)(?=/|$)")


def api_calls(lines: list[str]) -> list[str]:
    """The Codat calls among the access log's lines ("METHOD path status")."""
    return [line for line in lines if line.split(" ")[1].startswith(API)]


def _breakdown(lines: list[str]) -> str:
    """Calls by method and path (ids as {id}), most first; webhooks the app received too."""
    counts = Counter(
        f"{method} {ID.sub('/{id}', path).removeprefix(API)}"
        for method, path, _status in (line.split(" ") for line in lines)
        if path.startswith(API) or path == WEBHOOKS
    )
    return ", ".join(f"{name} ×{n}" for name, n in counts.most_common())
