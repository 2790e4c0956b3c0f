"""No "next" parameter sends a user to another site (or breaks the page)."""

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

ELSEWHERE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http:evil.example",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logging_in_never_redirects_to_another_site(client, user, target):
    response = client.post(
        reverse("login") + "?next=x",
        {"username": user.email, "password": TEST_PASSWORD, "next": target},
    )

    assert response.status_code == 302
    assert response.url == reverse("onboarding:home")


@pytest.mark.parametrize("target", [*ELSEWHERE, "abc", "onboarding:disconnect", ""])
def test_sync_now_redirects_only_to_a_path_of_this_site(client_member, company, target):
    response = client_member.post(reverse("bills:sync-now"), {"next": target})

    assert response.status_code == 302
    assert response.url == reverse("onboarding:connection")


def test_sync_now_keeps_a_path_of_this_site(client_member, company):
    response = client_member.post(reverse("bills:sync-now"), {"next": "/bills/?view=all"})

    assert response.url == "/bills/?view=all"
