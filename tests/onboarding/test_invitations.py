import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from billpay.onboarding.models import Membership, User
from billpay.onboarding.services import INVITATION_SALT, Invitation, invitation_token_make
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _invite(client_member, email: str) -> str:
    client_member.post(reverse("onboarding:invitation-create"), {"email": email})
    return re.search(r"http://testserver(\S+)", mail.outbox[-1].body).group(1)


def test_owner_invitation_emails_a_link(client_member, company):
    _invite(client_member, "carol@example.com")

    assert mail.outbox[0].to == ["carol@example.com"]
    assert company.name in mail.outbox[0].subject


def test_a_new_user_accepts_and_becomes_an_accountant(client_member, client, company):
    path = _invite(client_member, "carol@example.com")

    assert "Create account and join" in client.get(path).content.decode()
    response = client.post(
        path,
        {
            "full_name": "Carol Chen",
            "password1": "carols-passphrase-9",
            "password2": "carols-passphrase-9",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="carol@example.com")
    assert membership.company == company
    assert membership.role == Membership.Role.ACCOUNTANT
    assert company.name in client.get("/", follow=True).content.decode()


def test_an_existing_user_logs_in_then_accepts(client_member, client, company, other_company):
    path = _invite(client_member, "charlie@example.com")

    assert client.get(path).url.startswith(reverse("login"))
    client.post(reverse("login"), {"username": "charlie@example.com", "password": TEST_PASSWORD})
    client.post(path)

    charlie = User.objects.get(email="charlie@example.com")
    assert set(charlie.memberships.values_list("company__name", "role")) == {
        (other_company.name, "owner"),
        (company.name, "accountant"),
    }


def test_accepting_twice_creates_one_membership(client_member, client):
    path = _invite(client_member, "carol@example.com")
    client.post(
        path,
        {
            "full_name": "Carol",
            "password1": "carols-passphrase-9",
            "password2": "carols-passphrase-9",
        },
    )

    client.post(path)

    assert Membership.objects.filter(user__email="carol@example.com").count() == 1


def test_someone_else_logged_in_cannot_use_the_invitation(client_member, company):
    path = _invite(client_member, "charlie@example.com")
    UserFactory(email="charlie@example.com")

    response = client_member.post(path)

    assert response.status_code == 403
    assert "This invitation is for charlie@example.com" in response.content.decode()
    assert not Membership.objects.filter(
        user__email="charlie@example.com", company=company
    ).exists()


def test_an_expired_invitation_is_rejected(client, company, user, settings):
    settings.INVITATION_MAX_AGE_DAYS = 0
    token = invitation_token_make(
        invitation=Invitation(
            company_id=company.pk,
            email="carol@example.com",
            role="accountant",
            invited_by_id=user.pk,
        )
    )

    response = client.get(reverse("onboarding:invitation-accept", args=[token]))

    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_a_tampered_invitation_is_rejected(client_member, client, company):
    path = _invite(client_member, "carol@example.com")
    token = path.rstrip("/").rsplit("/", 1)[1]
    payload = signing.loads(token, salt=INVITATION_SALT)
    forged = signing.dumps(payload | {"role": "owner"}, salt="not-our-salt", compress=True)

    for bad in (forged, token[:-3] + "xyz"):
        response = client.post(
            reverse("onboarding:invitation-accept", args=[bad]),
            {
                "full_name": "Eve",
                "password1": "eves-passphrase-9",
                "password2": "eves-passphrase-9",
            },
        )
        assert response.status_code == 400
    assert not User.objects.filter(email="carol@example.com").exists()
