"""The Content-Security-Policy (issue 15, point 5): only this site's own files run, style or load.

Every HTML page carries the header, with no 'unsafe-inline' or 'unsafe-eval' anywhere, and no
page holds what that policy would refuse: an inline <script>, a <style> element, a style="…"
attribute, an on…= handler, an hx-on attribute or a javascript: URL. The templates and the HTML
written in Python are scanned as source; every page the sweep opens is scanned as served (which
covers template tags, form widgets and Django's own pages). The browser tests add the last word:
tests/e2e/csp.py fails any of them on a violation the browser reports.
"""

import io
import re
import tokenize
from pathlib import Path

import pytest
from django.urls import reverse

from billpay.sandbox import companies as sandbox_companies
from billpay.sandbox.profiles import PROFILES
from tests.factories import BillFactory, UserFactory
from tests.security.conftest import (
    EXCLUDED_PREFIXES,
    app_routes,
    body,
    concrete,
    logged_in,
)

pytestmark = pytest.mark.django_db
# Signed tokens in links: wrong ones, which still answer a page (an invalid-link page).
TOKENS = {"token": "not-a-token", "uidb64": "MQ"}

ROOT = Path(__file__).resolve().parents[2]
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

# What a strict policy refuses, as it appears in HTML (or in a Django template of it).
INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"<[a-z][^<>]*?\sstyle\s*=", re.IGNORECASE),
    "on… handler": re.compile(r"<[a-z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on attribute": re.compile(r"\b(?:data-)?hx-on\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


def inline_findings(html: str) -> list[str]:
    """Each thing in `html` the policy would refuse, named, with the text it was found in."""
    return [
        f"{name}: {match.group(0)[:120]!r}"
        for name, pattern in INLINE.items()
        for match in pattern.finditer(html)
    ]


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in directives}


def assert_strict(response, where: str) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{where} has no Content-Security-Policy header"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, f"{where}: {header}"
    assert "unsafe-hashes" not in header, f"{where}: {header}"
    parsed = policy(response)
    for directive in ("default-src", "script-src", "style-src", "object-src", "base-uri"):
        assert parsed.get(directive) == STRICT[directive], f"{where}: {header}"


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


# --- the detector itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script type="module">import x from "/x.js"</script>',
        "<style>p { color: red }</style>",
        '<span style="width: {{ percent }}%"></span>',
        '<body\n  class="x" style="--brand: red">',
        '<button onclick="go()">Go</button>',
        '<img src="x.png" onerror="alert(1)">',
        '<div hx-on:click="alert(1)"></div>',
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_the_scan_finds_what_the_policy_refuses(html):
    assert inline_findings(html)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/js/app.js" defer></script>',
        '<link rel="stylesheet" href="/static/css/app.css">',
        '<svg><rect fill="#0a58ca" width="40%" height="8"></rect></svg>',
        '<p class="muted">Paid on time; the style of payment is up to you.</p>',
        '<button data-menu-button aria-controls="site-menu">Menu</button>',
        '<div hx-get="/x" hx-trigger="every 2s" hx-swap="outerHTML"></div>',
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>',
    ],
)
def test_the_scan_passes_what_the_policy_allows(html):
    assert inline_findings(html) == []


# --- the source: templates and HTML written in Python ---------------------------------------------


def _templates() -> list[Path]:
    dirs = [ROOT / "templates", *(ROOT / "billpay").glob("*/templates")]
    return sorted(path for d in dirs for path in d.rglob("*.html"))


def test_no_template_holds_inline_script_style_or_handlers():
    templates = _templates()
    found = {
        str(path.relative_to(ROOT)): findings
        for path in templates
        if (findings := inline_findings(path.read_text(encoding="utf-8")))
    }

    assert len(templates) > 40  # the scan saw the templates (a wrong path would pass silently)
    assert found == {}


def _python_strings(path: Path) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [token.string for token in tokens if token.type == tokenize.STRING]


def test_no_html_written_in_python_holds_inline_script_style_or_handlers():
    sources = [p for p in (ROOT / "billpay").rglob("*.py") if "migrations" not in p.parts]
    found = {
        str(path.relative_to(ROOT)): findings
        for path in sources
        for string in _python_strings(path)
        if (findings := inline_findings(string))
    }

    assert len(sources) > 100
    assert found == {}


# --- the header and the pages as served ------------------------------------------------------------


def test_the_policy_allows_only_this_sites_own_files(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert_strict(response, "the login page")
    assert {d: policy(response).get(d) for d in STRICT} == STRICT


def test_every_page_carries_the_strict_policy_and_nothing_inline(victim, settings):
    settings.DEBUG = False
    client = logged_in(victim.owner, victim.company)
    seen, problems = [], []
    for route, _ in app_routes():
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        path = concrete(route, victim.kwargs | TOKENS)
        response = client.get(path)
        if not is_html(response):
            continue
        seen.append(path)
        try:
            assert_strict(response, path)
        except AssertionError as exc:
            problems.append(str(exc))
        problems += [f"{path}: {finding}" for finding in inline_findings(body(response))]

    assert len(seen) > 25, seen  # the sweep really opened the app's pages
    assert problems == []


def test_pages_without_a_login_and_error_pages_carry_it_too(client):
    paths = [
        reverse("login"),
        reverse("onboarding:signup"),
        reverse("password_reset"),
        "/no-such-page/",
    ]
    for path in paths:
        response = client.get(path)
        assert is_html(response), path
        assert_strict(response, path)
        assert inline_findings(body(response)) == [], path


def test_a_failed_csrf_check_is_a_strict_page_too(user, company):
    client = logged_in(user, company, enforce_csrf_checks=True)

    response = client.post(reverse("logout"))

    assert response.status_code == 403
    assert_strict(response, "the CSRF failure page")
    assert inline_findings(body(response)) == []


def test_the_admin_needs_no_relaxation(company):
    staff = UserFactory(is_staff=True, is_superuser=True)
    bill = BillFactory(company=company)
    client = logged_in(staff, company)
    paths = [
        reverse("admin:index"),
        reverse("admin:bills_bill_changelist"),
        reverse("admin:bills_bill_change", args=[bill.pk]),
        reverse("admin:onboarding_user_add"),
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response, path)
        assert inline_findings(body(response)) == [], path


def test_the_sandbox_link_pages_carry_it_and_keep_each_platforms_colour(client):
    company = sandbox_companies.company_create(name="Sandbox Co")
    connection = sandbox_companies.connection_create(company=company, platform_key="gbol")
    pages = {
        "choose": client.get(reverse("sandbox:link-company", args=[company.pk])),
        "consent": client.get(reverse("sandbox:link-connection", args=[company.pk, connection.pk])),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        assert_strict(response, name)
        assert inline_findings(body(response)) == [], name
    assert 'data-platform="gbol"' in body(pages["consent"])
    css = (ROOT / "billpay/sandbox/static/sandbox/link.css").read_text()
    for key in PROFILES:
        if key:
            assert f'.platform[value="{key}"]' in css and f'[data-platform="{key}"]' in css


# --- where the policy differs, and why ------------------------------------------------------------


def test_only_the_connect_pages_let_a_form_lead_on_to_codat_and_the_platform(client_member):
    # connect_start redirects to Codat's Link URL, which goes on to the platform's sign-in; Chrome
    # checks form-action at each hop.
    connect = client_member.get(reverse("onboarding:connect"))
    inbox = client_member.get(reverse("bills:inbox"))

    assert policy(connect)["form-action"] == ["'self'", "https:"]
    assert policy(inbox)["form-action"] == ["'self'"]


def test_the_invoice_preview_error_may_be_framed_by_the_bills_page_only(
    client_member, connected, attachments_codat, company, empty_cache
):
    from billpay.codat.errors import CodatNotFoundError

    bill = BillFactory(company=company)
    attachments_codat.get_bill_attachment.side_effect = CodatNotFoundError("gone")

    response = client_member.get(reverse("bills:bill-attachment-preview", args=[bill.pk, "a1"]))

    assert response["Content-Type"].startswith("text/plain")
    assert policy(response)["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
