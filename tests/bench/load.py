"""Load: inbox requests/s under gunicorn (2 workers, 8 concurrent clients) against its constant view."""

import threading
import time

import requests

from tests.bench.harness import BASE, report

CLIENTS, SECONDS = 8, 10.0


def _hammer(url: str, cookies: dict) -> tuple[float, int, int]:
    """CLIENTS threads GET `url` for SECONDS; returns (requests/s, ok, errors)."""
    ok, errors, lock = [0], [0], threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def client() -> None:
        session = requests.Session()
        session.cookies.update(cookies)
        while time.perf_counter() < deadline:
            try:
                good = session.get(url, timeout=30, allow_redirects=False).status_code == 200
            except requests.RequestException:
                good = False
            with lock:
                if good:
                    ok[0] += 1
                else:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok[0] / (time.perf_counter() - started), ok[0], errors[0]


def run() -> None:
    """Needs the inbox benchmark's data (the 100,000-bill company) and a running harness.server()."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from billpay.onboarding.models import Company, User

    user = User.objects.get(email="bench@example.com")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session["company_id"] = Company.objects.get(name="Bench Inbox Ltd").pk
    session.create()
    cookies = {settings.SESSION_COOKIE_NAME: session.session_key}

    floor_rps, _, floor_errors = _hammer(f"{BASE}/health/live/", {})
    inbox_rps, inbox_ok, inbox_errors = _hammer(f"{BASE}/bills/", cookies)
    report("load_constant_view_rps", floor_rps)
    report("load_inbox_rps", inbox_rps, "report", floor=floor_rps)
    report("load_inbox_requests", inbox_ok)
    report(
        "load_inbox_floor_ratio", inbox_rps / floor_rps, "report (inbox rps ÷ constant view rps)"
    )
    report("load_errors", inbox_errors + floor_errors, "= 0")
