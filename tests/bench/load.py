"""Load: inbox requests/s under gunicorn (2 workers, 8 concurrent clients) against two floors.

- the constant view (`/health/live/`): what the server and the middleware cost;
- the list floor (`floor.py`): a bare view listing 50 bills of the same 100,000-bill company
  with a plain template, served by the same gunicorn (the server runs `tests.bench.settings`).

The inbox and the list floor are hammered in alternating rounds, so a burst of someone else's
work on this shared machine falls on both: `load_inbox_list_ratio` compares like with like.
"""

import threading
import time

import requests

from tests.bench.harness import BASE, report

CLIENTS, SECONDS = 8, 10.0
ROUNDS = 5  # the inbox and the list floor alternate, SECONDS / ROUNDS each per round


def _hammer(url: str, cookies: dict, seconds: float) -> tuple[int, int, float]:
    """CLIENTS threads GET `url` for `seconds`; returns (ok, errors, elapsed seconds)."""
    ok, errors, lock = [0], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

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
    return ok[0], errors[0], time.perf_counter() - started


def _rows(url: str, cookies: dict) -> int:
    """Bills listed by the page at `url` (both pages show one <tr> per bill, plus a header)."""
    response = requests.get(url, cookies=cookies, timeout=30, allow_redirects=False)
    assert response.status_code == 200, (url, response.status_code)
    return response.text.count("<tr") - 1


def run() -> None:
    """Needs the inbox benchmark's data (the 100,000-bill company) and a running
    harness.server(settings="tests.bench.settings")."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from billpay.onboarding.models import Company, User

    user = User.objects.get(email="bench@example.com")
    company = Company.objects.get(name="Bench Inbox Ltd")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session["company_id"] = company.pk
    session.create()
    cookies = {settings.SESSION_COOKIE_NAME: session.session_key}
    inbox_url, floor_url = f"{BASE}/bills/", f"{BASE}/bench/bills/{company.pk}/"
    # The two pages list the same 50 bills, or the ratio compares different work.
    assert _rows(inbox_url, cookies) == _rows(floor_url, {}) == 50

    constant_ok, constant_errors, constant_s = _hammer(f"{BASE}/health/live/", {}, SECONDS)
    totals = {"floor": [0, 0, 0.0], "inbox": [0, 0, 0.0]}
    for _ in range(ROUNDS):
        for name, url, jar in (("floor", floor_url, {}), ("inbox", inbox_url, cookies)):
            for i, value in enumerate(_hammer(url, jar, SECONDS / ROUNDS)):
                totals[name][i] += value
    constant_rps = constant_ok / constant_s
    floor_rps = totals["floor"][0] / totals["floor"][2]
    inbox_rps = totals["inbox"][0] / totals["inbox"][2]
    report("load_constant_view_rps", constant_rps)
    report("load_list_floor_rps", floor_rps, "report", floor=constant_rps)
    report("load_inbox_rps", inbox_rps, "report", floor=floor_rps)
    report("load_inbox_requests", totals["inbox"][0])
    report(
        "load_inbox_floor_ratio",
        inbox_rps / constant_rps,
        "report (inbox rps ÷ constant view rps)",
    )
    report("load_inbox_list_ratio", inbox_rps / floor_rps, ">= 0.5 (inbox rps ÷ list floor rps)")
    report("load_errors", constant_errors + totals["floor"][1] + totals["inbox"][1], "= 0")
