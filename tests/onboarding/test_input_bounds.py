"""Hostile values on the sign-in and company pages end in words, never a 500 (issue 10)."""

import pytest
from django.test import Client
from django.urls import reverse

from billpay.onboarding.tenancy import SESSION_COMPANY_KEY
from tests.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", ["x" * 10_000 + "@example.com", "a\x00b@example.com"])
def test_a_login_with_an_absurd_email_is_refused_not_a_500(username):
    # django-axes recorded the attempt with the raw name: varchar(255) overflowed, a DataError.
    client = Client(raise_request_exception=False)

    response = client.post(reverse("login"), {"username": username, "password": "x"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("value", ["١", "²", "9" * 40, "9" * 5_000, "-1", "\x00"])
def test_switching_to_a_company_that_is_not_an_id_is_a_404(client_member, value):
    response = client_member.post(reverse("onboarding:company-switch"), {"company": value})

    assert response.status_code == 404


def test_switching_by_a_non_ascii_id_does_not_reach_a_real_company(user, company):
    # int("١") is 1: "١" named company 1 before ids were read as ASCII digits only.
    other = CompanyFactory(name="Second Co")
    MembershipFactory(company=other, user=user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_COMPANY_KEY] = company.pk
    session.save()
    arabic = str(other.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    response = client.post(reverse("onboarding:company-switch"), {"company": arabic})

    assert response.status_code == 404
    assert client.session[SESSION_COMPANY_KEY] == company.pk
