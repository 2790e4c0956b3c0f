"""Every POST without a CSRF token is refused with 403, before the view runs.

CsrfViewMiddleware checks in process_view, so even GET-only views answer 403 (not 405) to a
tokenless POST: the sweep therefore covers every route, not only those that accept POST. The
webhook receiver is the one exemption (Codat has no session); it must refuse unsigned posts.
"""

import pytest
from django.test import Client
from django.urls import reverse

from billpay.onboarding.models import WebhookEvent
from tests.security.conftest import PUBLIC_ROUTES, company_routes, concrete, logged_in

pytestmark = pytest.mark.django_db

WEBHOOK = "webhooks/codat/"
# Public routes take signed tokens; any value reaches the CSRF check, which comes first.
TOKENS = {"token": "not-a-real-token", "uidb64": "MQ"}
ROUTES = company_routes() + sorted(
    r for r in PUBLIC_ROUTES if r != WEBHOOK and not r.startswith("webhooks/inbound/")
)


def test_the_sweep_covers_the_forms_that_matter():
    assert {"login/", "logout/", "signup/", "bills/<int:bill_id>/review/"} <= set(ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_a_post_without_a_csrf_token_is_refused(route, attacker):
    client = logged_in(attacker.owner, attacker.company, enforce_csrf_checks=True)
    url = concrete(route, attacker.kwargs | TOKENS)

    plain = client.post(url, {"text": "x", "decision": "approved"})
    htmx = client.post(url, {"text": "x"}, headers={"HX-Request": "true"})

    assert (plain.status_code, htmx.status_code) == (403, 403), url
    assert b"data-csrf-failure" in plain.content  # templates/403_csrf.html


@pytest.mark.parametrize("route", ["login/", "signup/", "password-reset/"])
def test_anonymous_forms_need_a_csrf_token_too(db, route):
    response = Client(enforce_csrf_checks=True).post(
        "/" + route, {"username": "a@example.com", "password": "x"}
    )

    assert response.status_code == 403


def test_a_post_with_the_token_passes_the_check(attacker):
    """The control: the 403s above come from the missing token, not from something else."""
    client = logged_in(attacker.owner, attacker.company, enforce_csrf_checks=True)
    url = reverse("bills:bill-note", args=[attacker.bill.pk])
    client.get(reverse("bills:bill-detail", args=[attacker.bill.pk]))
    token = client.cookies["csrftoken"].value

    response = client.post(url, {"text": "signed"}, headers={"X-CSRFToken": token})

    assert response.status_code == 302
    assert (
        "signed"
        in client.get(reverse("bills:bill-detail", args=[attacker.bill.pk])).content.decode()
    )


def test_a_wrong_token_is_refused(attacker):
    client = logged_in(attacker.owner, attacker.company, enforce_csrf_checks=True)
    client.get(reverse("bills:inbox"))

    response = client.post(
        reverse("bills:sync-now"),
        {"csrfmiddlewaretoken": "x" * 64},
        headers={"X-CSRFToken": "y" * 32},
    )

    assert response.status_code == 403


def test_the_webhook_receiver_is_exempt_but_refuses_unsigned_posts(attacker):
    client = logged_in(attacker.owner, attacker.company, enforce_csrf_checks=True)
    body = '{"eventType": "read.completed", "payload": {}}'

    response = client.post(
        reverse("onboarding:codat-webhook"), body, content_type="application/json"
    )

    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
