"""Chaos: the first sync and the write-back under sandbox faults and SIGKILLed Celery workers.

The scenario (see `tests/chaos/scenario.py`) runs in a subprocess, not in this pytest process:
pytest-django owns this process's database connection (the `test_…` database, wrapped in
transactions), while the scenario needs a real gunicorn server and a real Celery worker that
see committed rows. The subprocess uses the benchmark harness instead: its own database (the
suite's DATABASE_URL name + `_chaos`, or CHAOS_DATABASE_URL), created, migrated and flushed
like `make bench` does, and Redis database 11 (or CHAOS_REDIS_URL) as broker and cache. Both
are claimed first (`tests/chaos/isolation.py`): a second chaos run on the machine waits for the
first instead of flushing its queue and sharing its worker.

`make test` runs the short version (500 bills, 30 payments); `make chaos` (CHAOS_FULL=1) the
issue's 5,000 bills and 300 payments. The figures are printed as `name=value` lines.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FULL = os.environ.get("CHAOS_FULL", "") not in ("", "0")


@pytest.mark.chaos
def test_chaos_sync_and_payments_survive_faults_and_killed_workers():
    command = [sys.executable, "-m", "tests.chaos.scenario", *(["--full"] if FULL else [])]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    figures, lines = {}, []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
        name, sep, value = line.strip().partition("=")
        if sep and name.isidentifier():
            figures[name] = value
    process.wait(timeout=60)
    output = "".join(lines[-60:])
    assert process.returncode == 0, f"the chaos scenario failed:\n{output}"
    assert figures.get("chaos_ok") == "1", output
    assert figures["duplicates"] == "0"
    assert figures["payments_stuck"] == "0"
    assert figures["amount_due_mismatches"] == "0"
    assert int(figures["worker_kills"]) >= 2, "the workers were not killed"
    assert int(figures["faults_injected"]) > 0, "the sandbox injected no faults"
    assert int(figures["client_retries"]) > 0, "the client never retried"
