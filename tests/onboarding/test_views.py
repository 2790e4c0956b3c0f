import re

import pytest
from django.core import mail
from django.urls import reverse

from billpay.onboarding.models import Company, Membership, User
from billpay.onboarding.tenancy import SESSION_COMPANY_KEY
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def _signup_data(**overrides):
    data = {
        "full_name": "Dana Diaz",
        "email": "dana@example.com",
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
        "company_name": "Diaz Florists",
        "base_currency": "GBP",
        "country": "GB",
    }
    return data | overrides


def _confirm_link(message) -> str:
    return re.search(r"http://testserver(/signup/confirm/\S+)", message.body).group(1)


def test_signup_emails_a_link_that_creates_the_account_once_confirmed(client):
    response = client.post(reverse("onboarding:signup"), _signup_data())

    assert "Check your email" in response.content.decode()
    user = User.objects.get(email="dana@example.com")
    assert not user.is_active  # not before the address is shown to be theirs
    assert not client.post(
        reverse("login"), {"username": "dana@example.com", "password": "a-long-enough-passphrase"}
    ).wsgi_request.user.is_authenticated
    link = _confirm_link(mail.outbox[-1])
    assert "Confirm and log in" in client.get(link).content.decode()
    assert not User.objects.get(pk=user.pk).is_active  # a GET (a link scanner) changes nothing

    response = client.post(link)

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="dana@example.com")
    assert membership.user.is_active
    assert membership.role == Membership.Role.OWNER
    assert membership.company.name == "Diaz Florists"
    assert membership.company.base_currency == "GBP"
    assert client.session[SESSION_COMPANY_KEY] == membership.company_id
    assert "Diaz Florists" in client.get("/", follow=True).content.decode()
    assert client.post(link).status_code == 400  # once


def test_signup_never_tells_whether_the_email_has_an_account(client, user):
    """Issue 15, point 7: the same page either way; the account's owner is told by email."""
    new = client.post(reverse("onboarding:signup"), _signup_data(email="nobody@example.com"))
    taken = client.post(reverse("onboarding:signup"), _signup_data(email="ALICE@example.com"))

    def shown(response, email):  # the page, less the address typed and the CSRF token
        page = response.content.decode().replace(email, "EMAIL")
        return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"', "", page)

    assert shown(new, "nobody@example.com") == shown(taken, "ALICE@example.com")
    assert not Company.objects.filter(name="Diaz Florists", memberships__user=user).exists()
    told = mail.outbox[-1]
    assert told.to == ["alice@example.com"]
    assert "tried to create a BillPay account" in told.body
    assert "/password-reset/" in told.body and "/signup/confirm/" not in told.body
    assert User.objects.get(pk=user.pk).check_password(TEST_PASSWORD)  # unchanged


def test_a_second_signup_of_an_unconfirmed_address_wins_and_the_first_link_dies(client):
    client.post(reverse("onboarding:signup"), _signup_data(company_name="First Try"))
    first = _confirm_link(mail.outbox[-1])
    client.post(
        reverse("onboarding:signup"),
        _signup_data(
            company_name="Second Try",
            password1="another-passphrase-9",
            password2="another-passphrase-9",
        ),
    )
    second = _confirm_link(mail.outbox[-1])

    assert client.post(first).status_code == 400
    assert client.post(second).status_code == 302
    user = User.objects.get(email="dana@example.com")
    assert user.check_password("another-passphrase-9")
    assert [m.company.name for m in user.memberships.all()] == ["Second Try"]


@pytest.mark.parametrize(
    "link",
    [
        "/signup/confirm/x/y/",
        "/signup/confirm/MQ/zzz-zzz/",
        "/signup/confirm/%00/a/",
        "/signup/confirm/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk/a-b/",
    ],
)
def test_a_broken_confirmation_link_says_so(client, link):
    response = client.post(link)
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "Sign up again" in response.content.decode()


def test_signup_rejects_mismatched_passwords(client):
    response = client.post(
        reverse("onboarding:signup"), _signup_data(password2="something-else-entirely")
    )

    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.filter(email="dana@example.com").exists()


def test_login_accepts_the_email_in_any_case(client, user):
    response = client.post(
        reverse("login"), {"username": "Alice@Example.com", "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("onboarding:home")


def test_login_is_throttled_after_repeated_failures(client, user):
    for _ in range(5):
        client.post(reverse("login"), {"username": user.email, "password": "wrong"})

    response = client.post(reverse("login"), {"username": user.email, "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


def test_logout_needs_a_post(client_member):
    assert client_member.get(reverse("logout")).status_code == 405
    assert client_member.post(reverse("logout")).status_code == 302
    assert client_member.get("/").status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, user):
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"http://\S+", mail.outbox[0].body).group(0)

    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase-1", "new_password2": "brand-new-passphrase-1"},
    )

    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-1")


def test_a_user_in_two_companies_switches_between_them(client_member, user, company):
    second = MembershipFactory(user=user, company__name="Zeta Catering").company

    response = client_member.post(reverse("onboarding:company-switch"), {"company": second.pk})

    assert response.status_code == 302
    assert client_member.session[SESSION_COMPANY_KEY] == second.pk
    assert "Zeta Catering" in client_member.get("/", follow=True).content.decode()


def test_switching_to_a_company_the_user_does_not_belong_to_is_a_404(client_member, other_company):
    response = client_member.post(
        reverse("onboarding:company-switch"), {"company": other_company.pk}
    )

    assert response.status_code == 404
    assert client_member.session[SESSION_COMPANY_KEY] != other_company.pk


def test_the_switcher_never_lists_another_company(client_member, other_company):
    page = client_member.get("/", follow=True).content.decode()

    assert "Alpha Bakery" in page
    assert other_company.name not in page


def test_a_foreign_company_left_in_the_session_is_a_404_and_is_forgotten(
    client_member, other_company
):
    session = client_member.session
    session[SESSION_COMPANY_KEY] = other_company.pk
    session.save()

    assert client_member.get("/").status_code == 404
    assert client_member.get("/", follow=True).status_code == 200


def test_a_user_without_a_company_is_asked_to_create_one(client, outsider):
    client.force_login(outsider)

    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("onboarding:company-create")

    client.post(
        response.url, {"company_name": "Mallory Ltd", "base_currency": "EUR", "country": "FR"}
    )
    assert Membership.objects.get(user=outsider).role == Membership.Role.OWNER


def test_team_page_lists_only_this_companys_members(client_member, accountant, other_company):
    page = client_member.get(reverse("onboarding:team")).content.decode()

    assert accountant.email in page
    assert "charlie@example.com" not in page


def test_team_page_answers_405_to_a_post(client_member):
    assert client_member.post(reverse("onboarding:team")).status_code == 405


def test_accountants_cannot_invite(client_accountant):
    response = client_accountant.post(
        reverse("onboarding:invitation-create"), {"email": "x@example.com"}
    )

    assert response.status_code == 403
    assert mail.outbox == []


def test_invalid_invitation_email_is_an_inline_error(client_member):
    response = client_member.post(
        reverse("onboarding:invitation-create"), {"email": "not-an-email"}
    )

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
