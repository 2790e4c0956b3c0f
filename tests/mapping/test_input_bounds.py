"""Hostile values posted to the mapping form are refused in words (issue 10)."""

import pytest
from django.urls import reverse

from billpay.mapping.models import AccountMapping
from tests.factories import LedgerAccountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("account", ["١", "²", "9" * 40, "9" * 5_000, "-1", "1.0", "\x00"])
def test_an_account_that_is_not_an_id_is_refused(client_member, company, account):
    LedgerAccountFactory(company=company)
    response = client_member.post(
        reverse("mapping:mapping-save"),
        {"method": "bank_transfer", "currency": "USD", "account": account},
        follow=True,
    )

    assert response.status_code == 200
    assert "Pick a payment method, a currency and an account." in response.content.decode()
    assert not AccountMapping.objects.exists()


@pytest.mark.parametrize("currency", ["١٢٣", "U$D", "US", "\x00\x00\x00"])
def test_a_currency_that_is_not_three_letters_is_refused(client_member, company, currency):
    account = LedgerAccountFactory(company=company)

    response = client_member.post(
        reverse("mapping:mapping-save"),
        {"method": "bank_transfer", "currency": currency, "account": account.pk},
        follow=True,
    )

    assert "Pick a payment method, a currency and an account." in response.content.decode()
    assert not AccountMapping.objects.exists()
