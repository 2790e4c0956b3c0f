"""Sync memory benchmark: a first sync of 100,000 bills must not need much more memory than 10,000.

Each sync runs in a fresh Python process (`python -m tests.bench.sync_memory --child ID`) that
does what a Celery worker does: the real `bills_sync_task` through the real Codat client, over
HTTP, against the sandbox served by the benchmark's gunicorn. The figure is that process's
peak resident set size, read from the kernel when the parent reaps it (`os.wait4`), so neither
the benchmark process nor gunicorn counts.
"""

import json
import os
import resource
import subprocess
import sys
import time

from tests.bench import harness
from tests.bench.harness import report

SIZES = (10_000, 100_000)
SUPPLIERS, LINES = 500, 2
RSS_RATIO_GOAL = 1.5


def _seed(bills: int):
    """A company linked to sandbox books of `bills` bills (COPY-based seeding)."""
    from billpay.onboarding.models import AccountingConnection, Company
    from billpay.sandbox.seeding import seed_company

    name = f"Bench Memory {bills}"
    seeded = seed_company(
        name=name, bills=bills, suppliers=SUPPLIERS, seed=13, lines_per_bill=LINES
    )
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
    return company


def _live_bills(company) -> int:
    """Bills the sandbox serves for the company (those not deleted in its books)."""
    from billpay.sandbox.models import SandboxCacheRecord

    return SandboxCacheRecord.objects.filter(
        company_id=company.codat_company_id, data_type="bills", is_deleted=False
    ).count()


def _sync_in_child(company_id: int) -> dict:
    """Run the sync in a fresh process; its own report plus its peak RSS from the kernel."""
    env = {**os.environ, **harness.ENV, "DJANGO_SETTINGS_MODULE": "billpay.settings"}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.sync_memory", "--child", str(company_id)],
        cwd=harness.ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )
    output = child.stdout.read()
    # wait4 reaps this child and returns its own rusage: ru_maxrss is its high-water mark
    # (KiB on Linux), whatever other children this process has or had.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    if child.returncode != 0:
        raise RuntimeError(f"the sync process failed ({child.returncode}): {output[-2000:]!r}")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def run() -> None:
    companies = {bills: _seed(bills) for bills in SIZES}
    results = {bills: _sync_in_child(company.pk) for bills, company in companies.items()}
    small, large = results[10_000], results[100_000]
    for bills, result in results.items():
        expected = _live_bills(companies[bills])
        if result["status"] != "succeeded" or result["bills_created"] != expected:
            raise RuntimeError(
                f"the {bills:,}-bill sync did not write its {expected} bills: {result}"
            )
    report("sync_100k_s", large["sync_s"])
    report("sync_100k_bills_per_s", 100_000 / large["sync_s"])
    report("sync_100k_peak_rss_mb", large["peak_rss_mb"])
    report("sync_10k_s", small["sync_s"])
    report("sync_10k_peak_rss_mb", small["peak_rss_mb"])
    report("sync_rss_ratio", large["peak_rss_mb"] / small["peak_rss_mb"], f"<= {RSS_RATIO_GOAL}")


def _child(company_id: int) -> None:
    """In the fresh process: sync the company as a worker would, print one JSON line."""
    import django

    django.setup()
    from billpay.bills.models import SyncRun
    from billpay.bills.services import sync_run_queue
    from billpay.bills.tasks import bills_sync_task
    from billpay.onboarding.models import Company

    company = Company.objects.get(pk=company_id)
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.COMMAND)
    started = time.perf_counter()
    bills_sync_task.apply(kwargs={"run_id": run.pk}, throw=True)
    sync_s = time.perf_counter() - started
    run.refresh_from_db()
    report_line = {
        "status": run.status,
        "error": run.error,
        "sync_s": sync_s,
        "bills_created": (run.counts.get("bills") or {}).get("created"),
        "self_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(report_line), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(int(sys.argv[2]))
    else:
        sys.exit("run it with `python -m tests.bench` (or `python -m tests.bench sync_memory`)")
