"""Hostile input to the pay form, the payments list and the payment settings (issue 10): refused
in words, never a 500, never rounded without telling."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.payments.models import Payment, PaymentSettings
from tests.factories import AccountMappingFactory, BillFactory, CompanyFactory, MembershipFactory
from tests.security.conftest import logged_in

pytestmark = pytest.mark.django_db


def _pay(client, bill, amount, **extra):
    data = {
        "bill": [bill.pk],
        "method": "bank_transfer",
        f"amount_{bill.pk}": amount,
        "payment_date": timezone.localdate().isoformat(),
        "note": "",
        "form_token": str(uuid.uuid4()),
    }
    data.update(extra)
    return client.post(reverse("payments:payment-new"), data)


@pytest.fixture
def bill(company):
    AccountMappingFactory(company=company)
    return BillFactory(company=company, amount_due=Decimal("120.00"), currency="USD")


@pytest.mark.parametrize("value", ["²", "١٢٣", "9" * 40, "9" * 5_000, "1.5", "-1", "0", "\x00"])
def test_a_forged_bill_id_in_the_pay_link_is_a_bad_request(client_member, bill, value):
    # "²".isdigit() is True and int("²") raises: the pay page was a 500.
    response = client_member.get(reverse("payments:payment-new"), {"bill": [bill.pk, value]})

    assert response.status_code == 400
    assert "could not be read" in response.content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("10.0051", "USD amounts have at most 2 decimal places."),
        ("10.005", "could mean two different amounts"),  # 10,005 or 10.005? (issue 14)
        ("١٠", "in digits 0–9"),
        ("1e2", "in digits 0–9"),
        ("NaN", "in digits 0–9"),
        ("9" * 16, "too large"),
        ("0.00", "at least 0.01"),
        ("-5.00", "at least 0.01"),
    ],
)
def test_an_amount_that_is_not_plain_money_in_the_bills_currency_is_refused(
    client_member, bill, enqueued, amount, message
):
    response = _pay(client_member, bill, amount)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_a_yen_amount_with_decimals_is_refused_not_rounded(client_member, company, enqueued):
    AccountMappingFactory(company=company, currency="JPY")
    bill = BillFactory(company=company, currency="JPY", amount_due=Decimal("5000"))

    response = _pay(client_member, bill, "1000.5")

    assert "JPY amounts have no decimals." in response.content.decode()
    assert not Payment.objects.exists()


def test_an_exact_amount_is_paid_exactly(client_member, bill, enqueued):
    response = _pay(client_member, bill, "10.50")

    assert response.status_code == 302
    assert Payment.objects.get().total_amount == Decimal("10.50")


@pytest.mark.parametrize("day", ["2026-02-30", "99999-01-01", "٢٠٢٦-٠١-٠١", "2200-01-01"])
def test_an_impossible_payment_date_is_a_form_error(client_member, bill, enqueued, day):
    response = _pay(client_member, bill, "10.00", payment_date=day)

    assert response.status_code == 200
    assert not Payment.objects.exists()


@pytest.mark.parametrize("token", ["%%%", "abc", "١" * 32, ""])
def test_a_malformed_form_token_is_a_form_error(client_member, bill, enqueued, token):
    response = _pay(client_member, bill, "10.00", form_token=token)

    assert response.status_code == 200
    assert not Payment.objects.exists()


def test_a_second_company_reusing_a_form_token_gets_its_own_payment(
    client_member, company, bill, enqueued
):
    # The token is unique per (company, token): another company's token is simply new there.
    token = str(uuid.uuid4())
    _pay(client_member, bill, "10.00", form_token=token)
    other = CompanyFactory(name="Other Books Ltd")
    owner = MembershipFactory(company=other, user__email="olga@other.example").user
    AccountMappingFactory(company=other)
    their_bill = BillFactory(company=other, amount_due=Decimal("80.00"), currency="USD")

    response = _pay(logged_in(owner, other), their_bill, "20.00", form_token=token)

    mine, theirs = Payment.objects.get(company=company), Payment.objects.get(company=other)
    assert response.status_code == 302
    assert response.url == reverse("payments:payment-detail", args=[theirs.pk])
    assert (mine.total_amount, theirs.total_amount) == (Decimal("10.00"), Decimal("20.00"))
    assert mine.form_token == theirs.form_token == uuid.UUID(token)


@pytest.mark.parametrize("page", ["١٢٣", "9" * 5_000, "NaN", "-1", "\x00"])
def test_a_hostile_page_number_shows_the_first_page(client_member, page):
    response = client_member.get(reverse("payments:payment-list"), {"page": page})

    assert response.status_code == 200


@pytest.mark.parametrize("day", ["2026-02-30", "٢٠٢٦-٠١-٠١", "99999-01-01"])
def test_a_hostile_date_filter_shows_every_payment(client_member, day):
    response = client_member.get(reverse("payments:payment-list"), {"date_from": day})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("currency", "threshold", "saved"),
    [
        ("USD", "1000.50", Decimal("1000.50")),
        ("KWD", "12.125", Decimal("12.125")),
        ("JPY", "5000", Decimal("5000")),
    ],
)
def test_the_approval_threshold_takes_the_base_currencys_decimals(
    client_member, company, currency, threshold, saved
):
    company.base_currency = currency
    company.save()

    response = client_member.post(
        reverse("payments:payment-settings"), {"approval_threshold": threshold}
    )

    assert response.status_code == 302
    assert PaymentSettings.objects.get(company=company).approval_threshold == saved


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        ("1000.505", "USD amounts have at most 2 decimal places."),
        ("1e999", "in digits 0–9"),
        ("9" * 40, "too large"),
        ("9" * 41, "too long"),
        ("9" * 16, "too large"),
        ("١٠٠", "in digits 0–9"),
    ],
)
def test_an_approval_threshold_the_column_cannot_hold_is_refused(
    client_member, company, threshold, message
):
    response = client_member.post(
        reverse("payments:payment-settings"), {"approval_threshold": threshold}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PaymentSettings.objects.filter(company=company).exists()
