"""Every app page needs a login; every company page is walled off from other companies."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# Pages that authenticate their own way (or not at all, by design).
PUBLIC_PREFIXES = (
    "signup/",
    "login/",
    "password-reset/",
    "health/",
    "favicon.ico",
    "language/",
    "invitations/",
    "admin/",
    "sandbox/",
    "webhooks/",
)


def _app_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted(set(walk(get_resolver().url_patterns)))


def _concrete(route: str) -> str:
    """A URL for the route, with 1 for every <int:…> and "x" for any other converter."""
    route = re.sub(r"<int:\w+>", "1", route)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "x", route)


PROTECTED = [r for r in _app_routes() if not r.startswith(PUBLIC_PREFIXES) and r != "logout/"]


def test_there_are_protected_routes():
    assert "" in PROTECTED and "team/" in PROTECTED


@pytest.mark.parametrize("route", PROTECTED)
def test_every_app_page_requires_login(client, route):
    response = client.get(_concrete(route))

    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("path", ["/signup/", "/login/", "/password-reset/", "/health/"])
def test_public_pages_answer_without_login(client, path):
    assert client.get(path).status_code == 200
