"""Issue 12, points 5 and 6: a paid bill's pay URL offers no form, the review page summarises the
payment in words (the JSON stays behind a disclosure), the button says what happens, no string is
said twice, and an accountant who would have to map an account is told to ask an owner."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.payments.models import Payment
from tests.factories import AccountMappingFactory, BillFactory, LedgerAccountFactory

pytestmark = pytest.mark.django_db


def _new(client, *bills):
    return client.get(reverse("payments:payment-new"), {"bill": [b.pk for b in bills]})


def _post(client, bill, **extra):
    data = {
        "bill": [bill.pk],
        "method": "bank_transfer",
        f"amount_{bill.pk}": "120.00",
        "payment_date": timezone.localdate().isoformat(),
        "note": "",
        "form_token": str(uuid.uuid4()),
        **extra,
    }
    return client.post(reverse("payments:payment-new"), data)


@pytest.fixture
def account(company):
    return LedgerAccountFactory(company=company, name="Business Current (USD)")


@pytest.fixture
def mapped(company, account):
    return AccountMappingFactory(company=company, account=account)


@pytest.fixture
def paid(company):
    return BillFactory(company=company, amount_due=Decimal("0"), codat_status="Paid")


# --- a paid bill ----------------------------------------------------------------------------------


def test_the_pay_url_of_a_paid_bill_says_it_is_paid_and_offers_no_form(client_member, paid, mapped):
    response = _new(client_member, paid)

    page = response.content.decode()
    assert response.status_code == 200
    assert f"{paid.supplier_name} {paid.reference} is already paid" in page
    assert '<form method="post" action="' + reverse("payments:payment-new") not in page
    assert "Review payment" not in page
    assert reverse("bills:bill-detail", args=[paid.pk]) in page


def test_posting_a_paid_bill_prepares_nothing(client_member, paid, mapped, enqueued):
    response = _post(client_member, paid)

    assert response.status_code == 200
    assert not Payment.objects.exists()


def test_a_paid_bill_picked_with_open_ones_offers_to_pay_the_others(
    client_member, company, paid, mapped
):
    open_bill = BillFactory(company=company, supplier=paid.supplier)

    page = _new(client_member, paid, open_bill).content.decode()

    assert "is already paid in full" in page
    assert f'href="{reverse("payments:payment-new")}?bill={open_bill.pk}"' in page
    assert "Pay the other 1 bill" in page


def test_a_void_bill_cannot_be_paid_and_says_why(client_member, company, mapped):
    void = BillFactory(company=company, codat_status="Void")

    page = _new(client_member, void).content.decode()

    assert "is void in your books" in page and "Review payment" not in page


# --- no account mapped ----------------------------------------------------------------------------


def test_an_owner_without_a_mapped_account_is_sent_to_map_one(client_member, company):
    bill = BillFactory(company=company)

    page = _new(client_member, bill).content.decode()

    assert "Map a bank or card account for USD" in page
    assert reverse("mapping:mapping-settings") in page.split('id="pay-form"')[1]


def test_an_accountant_without_a_mapped_account_is_told_to_ask_an_owner(client_accountant, company):
    bill = BillFactory(company=company)

    page = _new(client_accountant, bill).content.decode()

    assert "No account is set up to pay USD bills yet" in page
    assert f"Only an owner or an admin of {company.name} can choose the account" in page
    assert "Ask one of them" in page
    assert reverse("mapping:mapping-settings") not in page.split('id="pay-form"')[1]


# --- the review page ------------------------------------------------------------------------------


@pytest.fixture
def draft(client_member, company, mapped, enqueued):
    bill = BillFactory(company=company, reference="INV-77")
    _post(client_member, bill, **{f"amount_{bill.pk}": "50.00"})
    return Payment.objects.get()


def _review(client, payment) -> str:
    response = client.get(reverse("payments:payment-detail", args=[payment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_review_page_says_who_which_bills_how_much_from_where_and_when(client_member, draft):
    page = _review(client_member, draft)

    summary = page[page.index('id="payment-summary"') : page.index("</section>")]
    assert draft.supplier_name in summary
    assert "INV-77" in summary and "$50.00" in summary and "part of $120.00 due" in summary
    assert "Business Current (USD)" in summary and "Bank transfer" in summary
    assert timezone.localdate().strftime("%-d %b %Y") in summary
    assert "BillPay does not move money" in summary


def test_the_json_sent_to_the_books_stays_behind_a_details_disclosure(client_member, draft):
    page = _review(client_member, draft)

    details = page[page.index('<details id="payment-details">') :]
    assert "<summary>Details: exactly what is written to your books</summary>" in details
    assert "&quot;reference&quot;: &quot;" + draft.reference in details.split("</details>")[0]
    assert "&quot;reference&quot;" not in page[: page.index('<details id="payment-details">')]


def test_the_button_says_the_payment_is_recorded_in_the_books(client_member, draft):
    page = _review(client_member, draft)

    assert ">Record $50.00 payment in your books</button>" in page
    assert "Confirm and pay" not in page


def test_a_later_date_says_when_the_payment_is_recorded(client_member, company, mapped, enqueued):
    bill = BillFactory(company=company)
    later = timezone.localdate() + timedelta(days=5)
    _post(client_member, bill, payment_date=later.isoformat())

    page = _review(client_member, Payment.objects.get())

    assert f">Record $120.00 in your books on {later:%-d %b %Y}</button>" in page


def test_nothing_is_said_twice(client_member, draft):
    text = " ".join(re.sub(r"<[^>]+>", " ", _review(client_member, draft)).split())

    assert "Business Current (USD)" in text and "(USD) (USD)" not in text
    assert "Prepared" in text and "Prepared — Prepared" not in text


def test_an_account_name_without_its_currency_gets_it_once(client_member, company, enqueued):
    AccountMappingFactory(
        company=company, account=LedgerAccountFactory(company=company, name="Main")
    )
    bill = BillFactory(company=company)
    _post(client_member, bill)

    page = _review(client_member, Payment.objects.get())

    assert "Main (USD)" in page
