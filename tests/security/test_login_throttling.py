"""Login throttling (django-axes): per email (any case) and address, with a cool-off.

tests/onboarding/test_views.py has the basic case (five failures, then the right password → 429).
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def _login(client, email: str, password: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client, email: str, times: int | None = None, ip: str = "203.0.113.7") -> None:
    for _ in range(times or settings.AXES_FAILURE_LIMIT):
        response = _login(client, email, "wrong-password", ip)
        assert response.status_code in (200, 429)


def _assert_locked_out(response, client) -> None:
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_password_is_refused_once_locked_out(client, user):
    _fail(client, user.email)

    _assert_locked_out(_login(client, user.email, TEST_PASSWORD), client)


def test_failures_under_the_limit_do_not_lock(client, user):
    _fail(client, user.email, times=settings.AXES_FAILURE_LIMIT - 1)

    assert _login(client, user.email, TEST_PASSWORD).status_code == 302


def test_case_and_spacing_variants_of_the_email_count_as_one_account(client, user):
    variants = [
        "ALICE@EXAMPLE.COM",
        "Alice@example.com",
        " alice@Example.com ",
        "aLiCe@eXaMpLe.CoM",
    ]
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, variants[i % len(variants)], "wrong-password")

    _assert_locked_out(_login(client, "alice@example.com", TEST_PASSWORD), client)
    _assert_locked_out(_login(client, "ALICE@example.com", TEST_PASSWORD), client)


def test_another_user_from_the_same_address_is_not_locked(client, user):
    other = UserFactory(email="erin@example.com")
    _fail(client, user.email)

    response = _login(client, other.email, TEST_PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_the_same_user_from_another_address_is_not_locked(client, user):
    _fail(client, user.email, ip="203.0.113.7")

    assert _login(client, user.email, TEST_PASSWORD, ip="198.51.100.9").status_code == 302


def test_an_unknown_email_locks_the_same_way(client, db):
    """The lockout page must not tell an attacker which emails have accounts."""
    _fail(client, "nobody@example.com")

    response = _login(client, "nobody@example.com", "anything")

    assert response.status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, user):
    _fail(client, user.email)
    assert _login(client, user.email, TEST_PASSWORD).status_code == 429

    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(minutes=1))

    assert _login(client, user.email, TEST_PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, user):
    _fail(client, user.email, times=settings.AXES_FAILURE_LIMIT - 1)
    assert _login(client, user.email, TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))

    _fail(client, user.email, times=settings.AXES_FAILURE_LIMIT - 1)

    assert _login(client, user.email, TEST_PASSWORD).status_code == 302
