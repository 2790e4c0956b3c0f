"""Cookie flags and security headers with production settings.

`check --deploy` being clean in production mode is tested in tests/core/test_settings.py
(test_check_deploy_is_clean_in_production_mode); this file checks the values themselves, and
what actually goes over the wire.
"""

import json

import pytest
from django.urls import reverse

from tests.core.test_settings import PRODUCTION_ENV, _manage
from tests.factories import TEST_PASSWORD

NAMES = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_SSL_REDIRECT",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_PROXY_SSL_HEADER",
    "ALLOWED_HOSTS",
    "SANDBOX_ENABLED",
]
PROGRAM = (
    "import json; from django.conf import settings; "
    f"print(json.dumps({{n: getattr(settings, n) for n in {NAMES!r}}}))"
)


@pytest.fixture(scope="module")
def production() -> dict:
    result = _manage("shell", "-c", PROGRAM, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_out_of_reach_of_scripts(production):
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_production_forces_https(production):
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 180
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_sends_the_browser_hardening_headers(production):
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["SECURE_REFERRER_POLICY"] in ("same-origin", "strict-origin", "no-referrer")


def test_production_runs_without_debug_or_the_sandbox(production):
    assert production["DEBUG"] is False
    assert production["SANDBOX_ENABLED"] is False
    assert production["ALLOWED_HOSTS"] == ["billpay.example.com"]


# --- the sandbox is not installed where it is off --------------------------------------------------

# Everything the sandbox app could bring into a process: the app itself, its management commands,
# its Celery tasks and beat entry, its URLs, and any of its modules imported along the way (by the
# URLconf, the admin, Celery's autodiscovery or another app).
SANDBOX_PROGRAM = """
import json, sys
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.urls import get_resolver
from billpay.celery import app
app.loader.import_default_modules()
print(json.dumps({
    "apps": [c.name for c in apps.get_app_configs()],
    "commands": sorted(n for n, a in get_commands().items() if "sandbox" in a or "sandbox" in n),
    "beat": sorted(e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()),
    "tasks": sorted(t for t in app.tasks if "sandbox" in t),
    "urls": [str(p.pattern) for p in get_resolver().url_patterns],
    "modules": sorted(m for m in sys.modules if m.startswith("billpay.sandbox")),
}))
"""


def _sandbox_footprint(env: dict[str, str]) -> dict:
    result = _manage("shell", "-c", SANDBOX_PROGRAM, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production_footprint() -> dict:
    return _sandbox_footprint(PRODUCTION_ENV)


def test_production_does_not_install_the_sandbox_app(production_footprint):
    assert "billpay.sandbox" not in production_footprint["apps"]
    assert "billpay.payments" in production_footprint["apps"]  # the list itself is intact
    assert production_footprint["commands"] == []


def test_production_schedules_and_routes_nothing_of_the_sandbox(production_footprint):
    assert production_footprint["tasks"] == []
    assert not [t for t in production_footprint["beat"] if "sandbox" in t]
    assert not [u for u in production_footprint["urls"] if u.startswith("sandbox")]


def test_production_imports_no_sandbox_code(production_footprint):
    assert production_footprint["modules"] == []


def test_check_deploy_is_clean_with_the_sandbox_switched_off_explicitly():
    env = PRODUCTION_ENV | {"SANDBOX_ENABLED": "false"}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert "billpay.sandbox" not in _sandbox_footprint(env)["apps"]


def test_the_sandbox_is_installed_whole_when_switched_on_without_debug():
    """A demo install (DEBUG off, sandbox on) gets the app, its tick, commands and URLs."""
    footprint = _sandbox_footprint(PRODUCTION_ENV | {"SANDBOX_ENABLED": "true"})

    assert "billpay.sandbox" in footprint["apps"]
    assert "billpay.sandbox.tasks.sandbox_tick_task" in footprint["beat"]
    assert "billpay.sandbox.tasks.sandbox_tick_task" in footprint["tasks"]
    assert "sandbox_seed" in footprint["commands"]
    assert "sandbox/" in footprint["urls"]


# --- on the wire, with the production values applied to the test process -----------------------


@pytest.fixture
def production_like(settings):
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


@pytest.mark.django_db
def test_a_page_over_https_carries_the_security_headers(client, production_like):
    response = client.get(reverse("login"), secure=True)

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_https_behind_the_proxy_is_recognised(client, production_like):
    response = client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, production_like):
    response = client.get(reverse("login"))

    assert response.status_code == 301
    assert response.url.startswith("https://")


@pytest.mark.django_db
def test_company_pages_and_errors_carry_the_headers_too(client_member, production_like):
    for url in (reverse("bills:inbox"), "/no-such-page/"):
        response = client_member.get(url, secure=True)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url


@pytest.mark.django_db
def test_login_sets_secure_http_only_cookies(client, user, production_like):
    client.get(reverse("login"), secure=True)
    csrf = client.cookies["csrftoken"]

    response = client.post(
        reverse("login"),
        {"username": user.email, "password": TEST_PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_logging_in_changes_the_session_key(client, user, production_like):
    """Session fixation: a key planted before login must not survive it."""
    client.get(reverse("login"), secure=True)
    session = client.session
    session["planted"] = "x"
    session.save()
    before = session.session_key

    client.post(reverse("login"), {"username": user.email, "password": TEST_PASSWORD}, secure=True)

    assert client.session.session_key != before
