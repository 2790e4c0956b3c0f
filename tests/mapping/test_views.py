"""Tenancy and methods of the mapping pages (no sandbox needed)."""

import pytest
from django.urls import reverse

from tests.factories import AccountMappingFactory
from tests.mapping.factories import BankAccountRequestFactory

pytestmark = pytest.mark.django_db


def test_another_companys_account_request_is_a_404(client_member, other_company):
    foreign = BankAccountRequestFactory(company=other_company, account_name="X")

    response = client_member.get(reverse("mapping:bank-account-request", args=[foreign.pk]))

    assert response.status_code == 404


def test_the_page_shows_only_this_companys_mappings(client_member, company, other_company):
    AccountMappingFactory(company=other_company, account__name="Their secret account")
    AccountMappingFactory(company=company, account__name="Our account")

    page = client_member.get(reverse("mapping:mapping-settings")).content.decode()

    assert "Our account" in page and "Their secret account" not in page


def test_htmx_gets_the_mapping_partial(htmx_client):
    page = htmx_client.get(reverse("mapping:mapping-settings")).content.decode()
    assert 'id="mapping-form"' in page and "<html" not in page


@pytest.mark.parametrize(
    ("name", "method"),
    [("mapping:mapping-settings", "post"), ("mapping:mapping-save", "get")],
)
def test_wrong_methods_are_405(client_member, name, method):
    assert getattr(client_member, method)(reverse(name)).status_code == 405


@pytest.mark.parametrize("name", ["mapping:mapping-settings", "mapping:bank-account-new"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response.url


def test_without_a_connection_creating_an_account_explains_why(client_member):
    response = client_member.get(reverse("mapping:bank-account-new"), follow=True)
    assert "Connect your accounting software first" in response.content.decode()
