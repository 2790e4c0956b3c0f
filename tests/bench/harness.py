"""The benchmark environment: its own PostgreSQL database, a production-like server, timing."""

import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BENCH_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/billpay_bench")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = int(os.environ.get("BENCH_PORT") or _free_port())
BASE = f"http://127.0.0.1:{PORT}"

# Production mode (DEBUG off: no query logging, cached templates), sandbox on, no TLS redirect.
ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978",
    "DATABASE_URL": BENCH_DB,
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "APP_BASE_URL": BASE,
    "CODAT_BASE_URL": f"{BASE}/sandbox/api",
    "CODAT_API_KEY": "sandbox-key",
    "CODAT_WEBHOOK_SECRET": "whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQ=",
    "SANDBOX_ENABLED": "true",
    "SANDBOX_API_KEYS": "sandbox-key",
    "SANDBOX_PUSH_DELAY_SECONDS": "0",
    "SANDBOX_SYNC_DELAY_SECONDS": "0",
    "SANDBOX_CACHE_REFRESH_SECONDS": "0",
    "SANDBOX_RATE_LIMIT_PER_MINUTE": "1000000",
    "SANDBOX_RATE_LIMIT_PER_DAY": "100000000",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
}


def setup_django() -> None:
    """Point this process at the benchmark database, create it if needed, migrate, empty it."""
    os.environ.update(ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "billpay.settings"
    _create_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production static storage
    call_command("flush", interactive=False, verbosity=0)


def _create_database() -> None:
    import psycopg

    name = BENCH_DB.rsplit("/", 1)[1]
    admin = BENCH_DB.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


ACCESS_FORMAT = "%(m)s %(U)s %(s)s"


@contextmanager
def server(
    workers: int = 2,
    threads: int = 4,
    settings: str = "billpay.settings",
    env: dict[str, str] | None = None,
    access_log: Path | None = None,
):
    """gunicorn serving the app (and its sandbox) on BASE, as in production.

    `settings="tests.bench.settings"` serves the same app with the load benchmark's list floor;
    `env` adds to (or overrides) ENV; `access_log` is a file the server writes one
    "METHOD path status" line to per request, to count what a benchmark asked of it.
    """
    env = {**os.environ, **ENV, **(env or {}), "DJANGO_SETTINGS_MODULE": settings}
    logging = ["--access-logfile", str(access_log), "--access-logformat", ACCESS_FORMAT]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "billpay.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            *(logging if access_log else []),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(150):
            try:
                if requests.get(f"{BASE}/health/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("the benchmark server did not start")
        yield BASE
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def timer():
    result = {}
    start = time.perf_counter()
    yield result
    result["s"] = time.perf_counter() - start


def p95(samples: list[float]) -> float:
    return (
        statistics.quantiles(samples, n=20, method="inclusive")[18]
        if len(samples) > 1
        else samples[0]
    )


FIGURES: list[tuple[str, str, str, str]] = []  # (name, value, goal, ratio to its floor)


def report(name: str, value, goal: str = "", floor: float | None = None) -> None:
    """Print `name=value` now; keep it for the table, with value ÷ floor when a floor is given."""
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    ratio = f"{value / floor:.2f}×" if floor else ""
    FIGURES.append((name, text, goal, ratio))
    print(f"{name}={text}", flush=True)


def print_table() -> None:
    width = max(len(n) for n, *_ in FIGURES)
    print()
    print(f"{'figure'.ljust(width)}  {'value':>12}  {'÷ floor':>8}  goal")
    for name, value, goal, ratio in FIGURES:
        print(f"{name.ljust(width)}  {value:>12}  {ratio:>8}  {goal}")
