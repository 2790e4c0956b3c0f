"""The app as `make run` runs it, for browser tests that must see what a user of `make run` sees.

Unlike the other browser tests (one process, eager Celery, no webhooks), `live_stack` starts the
Procfile's processes for real, each in its own process group:

- web: gunicorn with 2 workers (threads as the Procfile says), serving the app and the sandbox;
- worker: a Celery worker, prefork, concurrency 2;
- beat: Celery beat with the settings' schedule, including the sandbox clock (every 2 s);

with the environment `make run` gives them (DEBUG settings, SANDBOX_WEBHOOK_URL pointing the
sandbox's signed webhooks at the app over HTTP), except:

- the database is pytest-django's test database (`make run`: SQLite), so the test reads the rows
  they commit (the test must be transactional: `live_stack` asks for `transactional_db`);
- the broker and cache are Redis (`make run`: kombu's filesystem transport, which polls once a
  second), database 12 of REDIS_URL's server, or E2E_STACK_REDIS_URL. It is flushed at start, so
  nothing else may use it: the suite uses REDIS_URL's (0 in `make test`), the benchmarks 6, chaos 11;
- the app's port is E2E_STACK_PORT, or the first free one of 127.0.0.1:18130-18139 (the
  WebhookRelay, when used, takes the next free one);
- the consent page makes SANDBOX_DEFAULT_BILLS=30 bills, so a first sync is quick;
- beat keeps its schedule file under var/e2e/ (stack-<port>-beat-schedule), not `make run`'s.

Redis hands tasks over within milliseconds where `make run`'s broker takes up to a second, which
narrows the races between webhooks and the consent return; a WebhookRelay (the fixture's
indirect parameter) reorders deliveries instead, so such a race is run on purpose, every time.

Each process's output goes to var/e2e/stack-<port>-<name>.log. Teardown terminates every process
group (SIGTERM, then SIGKILL) and waits until their database sessions are gone, before
pytest-django empties the tables; if pytest dies without its teardown, the processes get SIGTERM
(PDEATHSIG).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "var" / "e2e"
BIN = Path(sys.executable).parent
PORTS = range(18130, 18140)
REDIS_DB = 12
START_TIMEOUT_S = 45
STOP_TIMEOUT_S = 15
SANDBOX_BILLS = 30
APP_NAME = "billpay-e2e-stack"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class StackError(RuntimeError):
    """A process of the stack did not start, or died."""


@dataclass
class Stack:
    """The running processes, where to reach them, and where they log."""

    url: str
    redis_url: str
    database_url: str
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def log(self, name: str, *, lines: int = 80) -> str:
        """The last lines a process wrote."""
        path = self.logs.get(name)
        if path is None or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        """Raise StackError naming any process that has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(
                    f"stack {name} exited with {process.returncode}:\n{self.log(name)}"
                )


def procfile() -> dict[str, list[str]]:
    """The Procfile's commands by process name, split as a shell would."""
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            commands[name.strip()] = shlex.split(command)
    return commands


def stack_redis_url() -> str:
    """E2E_STACK_REDIS_URL, else database 12 of REDIS_URL's server."""
    if url := os.environ.get("E2E_STACK_REDIS_URL"):
        return url
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def stack_port(*, taken: tuple[int, ...] = ()) -> int:
    """E2E_STACK_PORT (the app's), else the first port of 18130-18139 that nothing listens on."""
    if (port := os.environ.get("E2E_STACK_PORT")) and not taken:
        return int(port)
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise StackError(f"no free port in 127.0.0.1:{PORTS.start}-{PORTS.stop - 1}")


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def stack_env(
    *, url: str, port: int, db_url: str, redis_url: str, webhook_url: str
) -> dict[str, str]:
    """What `make run` gives the processes, on the test database and the stack's Redis.

    Built from scratch rather than from this process's environment, so that nothing a test run
    sets (a DJANGO_ALLOW_ASYNC_UNSAFE, a SANDBOX_ override) leaks into the app.
    """
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PGAPPNAME": APP_NAME,  # libpq names the stack's database sessions
        "PYTHONPATH": str(ROOT),  # this tree's billpay, whatever the venv's editable install says
        "DJANGO_SETTINGS_MODULE": "billpay.settings",
        "DEBUG": "true",  # `make run` leaves DEBUG at its default: on
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "APP_BASE_URL": url,
        "CODAT_BASE_URL": f"{url}/sandbox/api",
        "SANDBOX_WEBHOOK_URL": webhook_url,
        "SANDBOX_REDIRECT_URL": (
            f"{url}/connect/return/?companyId={{companyId}}&connectionId={{connectionId}}"
            "&statusCode={statusCode}&errorMessage={errorMessage}"
        ),
        "SANDBOX_DEFAULT_BILLS": str(SANDBOX_BILLS),
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port} --workers 2",
    }


def _commands(beat_schedule: Path) -> dict[str, list[str]]:
    commands = procfile()
    pool = ["--pool", "prefork", "--concurrency", "2", "--hostname", "e2e-stack@%h"]
    return {
        "web": commands["web"],
        "worker": [*commands["worker"], *pool],
        "beat": [*commands["beat"], "--schedule", str(beat_schedule)],
    }


def _wait(stack: Stack, what: str, ready) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        stack.check_alive()
        with suppress(Exception):
            if ready():
                return
        time.sleep(0.25)
    logs = "\n".join(f"--- {name} ---\n{stack.log(name, lines=30)}" for name in stack.processes)
    raise StackError(f"{what} was not ready after {START_TIMEOUT_S} s\n{logs}")


def _web_ready(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/health/", timeout=2) as response:
        return response.status == 200


def _worker_ready(redis_url: str) -> bool:
    from celery import Celery

    # Not the current app: shared_task proxies in later tests would resolve against it and
    # find none of the project's tasks.
    probe = Celery("e2e-stack-probe", broker=redis_url, set_as_current=False)
    try:
        return bool(probe.control.ping(destination=None, timeout=1.0))
    finally:
        probe.close()


def _die_with_parent() -> None:
    """In the child: get SIGTERM if pytest dies without its teardown (killed, timed out).

    Each process then stops its own children (gunicorn its workers, Celery its pool)."""
    with suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(process: subprocess.Popen) -> None:
    """Terminate the process's whole group: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT_S)
    # Children (gunicorn's and the pool's) may outlive a parent that exited: kill the group.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT_S)


def _wait_for_sessions_gone(database: str) -> None:
    """Until the stack's sessions have left the test database: pytest-django's TRUNCATE would
    wait on their locks. (They are told apart by PGAPPNAME: this process has sessions too.)"""
    from django.db import connection

    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                [database, APP_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)


class WebhookRelay:
    """Between the sandbox and the app's receiver, as the internet is: webhooks arrive late and
    out of order (Codat retries a failed delivery 5 s later; nothing orders its deliveries).

    It answers the sandbox at once (delivered) and forwards each webhook to the app as signed,
    except that an event type in `hold` waits until the event type it maps to has been
    forwarded (or MAX_HOLD_S has passed): {"connection.created": "connection.connected"} delivers
    the older PendingAuth event after the newer Linked one. Each forward is logged.
    """

    MAX_HOLD_S = 10.0
    HEADERS = ("Content-Type", "webhook-id", "webhook-timestamp", "webhook-signature")

    def __init__(self, *, target: str, port: int, hold: dict[str, str], log: Path):
        import queue

        self.target, self.port, self.hold, self.log = target, port, hold, log
        self.url = f"http://127.0.0.1:{port}/webhooks/codat/"
        self._inbox: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: self.headers[k] for k in relay.HEADERS if self.headers.get(k)}
                relay._inbox.put((time.monotonic(), body, headers))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:  # the relay writes its own log
                pass

        self.log.write_text("")
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True),
            threading.Thread(target=self._forward_loop, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=STOP_TIMEOUT_S)

    def _forward_loop(self) -> None:
        import queue

        sent: set[str] = set()
        held: list[tuple[float, bytes, dict, str]] = []
        while not self._stop.is_set():
            try:
                received, body, headers = self._inbox.get(timeout=0.1)
            except queue.Empty:
                pass
            else:
                event = _event_type(body)
                if event in self.hold and self.hold[event] not in sent:
                    self._write(f"holding {event} until {self.hold[event]} is delivered")
                    held.append((received, body, headers, event))
                else:
                    self._forward(body, headers, event)
                    sent.add(event)
            for item in list(held):
                received, body, headers, event = item
                if self.hold[event] in sent or time.monotonic() - received > self.MAX_HOLD_S:
                    held.remove(item)
                    self._forward(body, headers, event)
                    sent.add(event)

    def _forward(self, body: bytes, headers: dict, event: str) -> None:
        request = urllib.request.Request(self.target, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                outcome = str(response.status)
        except Exception as exc:  # logged for the failure message; the test sees the effect
            outcome = f"{type(exc).__name__}: {exc}"
        self._write(f"forwarded {event}: {outcome}")

    def _write(self, line: str) -> None:
        stamp = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
        with self.log.open("a") as out:
            out.write(f"{stamp} {line}\n")


def _event_type(body: bytes) -> str:
    try:
        return str(json.loads(body).get("eventType", ""))
    except ValueError:
        return ""


@contextmanager
def run_stack(*, settings_dict: dict, hold: dict[str, str] | None = None) -> Iterator[Stack]:
    """Start web, worker and beat on the database `settings_dict` names; stop them all on exit.

    With `hold`, the sandbox's webhooks reach the app through a WebhookRelay that holds each
    event type named back until the one it names has been delivered.
    """
    import redis

    port = stack_port()
    url = f"http://127.0.0.1:{port}"
    redis_url = stack_redis_url()
    db_url = database_url(settings_dict)
    redis.Redis.from_url(redis_url).flushdb()  # the stack's own database: queue and cache
    LOGS.mkdir(parents=True, exist_ok=True)
    # Names carry the port: two stacks at once (two checkouts' test runs) never share a file.
    prefix = f"stack-{port}"
    for stale in LOGS.glob(f"{prefix}-beat-schedule*"):
        stale.unlink()
    beat_schedule = LOGS / f"{prefix}-beat-schedule"
    receiver = f"{url}/webhooks/codat/"
    relay = None
    if hold is not None:
        relay = WebhookRelay(
            target=receiver,
            port=stack_port(taken=(port,)),
            hold=hold,
            log=LOGS / f"{prefix}-relay.log",
        )
    webhook_url = relay.url if relay else receiver
    env = stack_env(url=url, port=port, db_url=db_url, redis_url=redis_url, webhook_url=webhook_url)
    stack = Stack(url=url, redis_url=redis_url, database_url=db_url, env=env)
    if relay:
        stack.logs["relay"] = relay.log
    try:
        if relay:
            relay.start()
        for name, command in _commands(beat_schedule).items():
            log = LOGS / f"{prefix}-{name}.log"
            stack.logs[name] = log
            with log.open("wb") as out:
                # start_new_session: its own process group, so teardown stops it whole.
                stack.processes[name] = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_die_with_parent,
                )
        _wait(stack, "gunicorn", lambda: _web_ready(url))
        _wait(stack, "the Celery worker", lambda: _worker_ready(redis_url))
        _wait(stack, "Celery beat", lambda: "beat: Starting" in stack.log("beat"))
        yield stack
    finally:
        # Beat first (no new work), then the worker, then the web server.
        for name in ("beat", "worker", "web"):
            if name in stack.processes:
                _stop(stack.processes[name])
        if relay:
            relay.stop()
        _wait_for_sessions_gone(settings_dict["NAME"])


@pytest.fixture
def live_stack(transactional_db, request) -> Iterator[Stack]:
    """The app running as `make run` runs it, on this test's (transactional) database.

    Function-scoped and built on `transactional_db`, so its processes stop before pytest-django
    empties the tables at the test's end. Parametrized indirectly with a `hold` mapping (see
    WebhookRelay), the webhooks go through a relay that delivers them out of order.
    """
    from django.db import connection

    hold = getattr(request, "param", None)
    with run_stack(settings_dict=connection.settings_dict, hold=hold) as stack:
        yield stack
