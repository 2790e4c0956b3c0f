"""The cash forecast page: the choices, what it says, and whose accounts it shows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AccountMappingFactory,
    BillFactory,
    LedgerAccountFactory,
    PaymentFactory,
)

D = Decimal
URL = reverse("insights:forecast")


@pytest.fixture
def account(company):
    account = LedgerAccountFactory(
        company=company, name="Main Checking", current_balance=D("100.00")
    )
    AccountMappingFactory(company=company, currency="USD", account=account)
    return account


def _due(days: int):
    return timezone.localdate() + timedelta(days=days)


def test_a_day_below_zero_says_so_in_words_not_only_colour(client_member, company, account):
    BillFactory(company=company, due_date=_due(4), total_amount=D("130.00"))

    content = client_member.get(URL).content.decode()

    assert "Main Checking" in content
    assert "1 bill due ($130.00)" in content
    assert "⚠ Below zero" in content
    assert f"It goes below zero on {_due(4).strftime('%-d %b %Y')}" in content
    assert 'class="below"' in content
    assert "hatched: below zero" in content


def test_the_look_ahead_and_the_bills_choice_change_the_forecast(client_member, company, account):
    BillFactory(company=company, due_date=_due(45), total_amount=D("20.00"))

    thirty = client_member.get(URL).content.decode()
    sixty = client_member.get(URL, {"days": "60"}).content.decode()

    assert "bill due ($20.00)" not in thirty
    assert "1 bill due ($20.00)" in sixty
    assert "Over the next 60 days" in sixty


def test_leaving_out_bills_waiting_for_approval_says_what_was_left_out(
    client_member, company, account
):
    from billpay.payments.models import PaymentSettings

    PaymentSettings.objects.create(company=company, approval_threshold=D("10.00"))
    BillFactory(company=company, due_date=_due(2), total_amount=D("50.00"))

    content = client_member.get(URL, {"bills": "approved"}).content.decode()

    assert "Left out: 1 bill due waiting for approval ($50.00)" in content
    assert "1 bill due ($50.00)" not in content


def test_an_account_without_a_balance_says_so_instead_of_inventing_zero(
    client_member, company, account
):
    account.current_balance = None
    account.save()
    PaymentFactory(company=company, account=account, total_amount=D("9.00"))

    content = client_member.get(URL).content.decode()

    assert "Your books give no balance for this account" in content
    assert "$0.00</strong> today" not in content
    assert "1 payment going out ($9.00)" in content


def test_the_page_says_how_bills_are_attributed_to_an_account(client_member, account):
    content = client_member.get(URL).content.decode()

    assert "A bill is not tied to an account until it is paid" in content
    assert "Unpaid bills in USD count against this account" in content


def test_one_account_by_id_and_another_companys_is_a_404(
    client_member, company, account, other_company
):
    theirs = LedgerAccountFactory(company=other_company)

    assert client_member.get(URL, {"account": account.pk}).status_code == 200
    assert client_member.get(URL, {"account": theirs.pk}).status_code == 404


@pytest.mark.parametrize(
    "params",
    [{"days": "45"}, {"days": "９０"}, {"bills": "<script>"}, {"account": "-1"}, {"account": "x"}],
)
def test_values_the_form_does_not_offer_fall_back_to_the_defaults(client_member, account, params):
    response = client_member.get(URL, params)

    assert response.status_code == 200
    assert "Over the next 30 days" in response.content.decode()


def test_htmx_gets_the_results_alone(htmx_client, account):
    response = htmx_client.get(URL, {"days": "90"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith('<div id="forecast-results">')


def test_the_forecast_answers_get_only(client_member):
    assert client_member.post(URL).status_code == 405


def test_the_forecast_page_costs_constant_queries(
    client_member, company, account, django_assert_max_num_queries
):
    for n in range(3):
        extra = LedgerAccountFactory(company=company, currency=f"Z{n}Z")
        AccountMappingFactory(company=company, currency=f"Z{n}Z", account=extra)
        BillFactory.create_batch(5, company=company, currency=f"Z{n}Z")

    with django_assert_max_num_queries(9):
        assert client_member.get(URL).status_code == 200
