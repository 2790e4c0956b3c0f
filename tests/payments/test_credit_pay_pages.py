"""The pay form offers the supplier's credit notes (same currency, credit left), parses each amount
(hostile input is an inline error, never a 500), and the review page says credit and cash."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.payments.models import Payment, PaymentCredit
from tests.factories import (
    AccountMappingFactory,
    BillFactory,
    CreditNoteFactory,
    LedgerAccountFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped(company):
    account = LedgerAccountFactory(company=company, name="Business Current (USD)")
    return AccountMappingFactory(company=company, account=account)


@pytest.fixture
def bill(company):
    return BillFactory(company=company)


@pytest.fixture
def note(company, bill):
    return CreditNoteFactory(company=company, supplier=bill.supplier, number="CN-7")


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


def test_the_form_offers_only_the_suppliers_credit_in_the_bills_currency(
    client_member, company, bill, note, mapped
):
    CreditNoteFactory(company=company, supplier=bill.supplier, number="CN-EURO", currency="EUR")
    CreditNoteFactory(company=company, number="CN-OTHER-SUPPLIER")
    CreditNoteFactory(company=company, supplier=bill.supplier, number="CN-USED", remaining_credit=0)
    CreditNoteFactory(company=company, supplier=bill.supplier, number="CN-VOID", status="Void")

    page = client_member.get(reverse("payments:payment-new"), {"bill": bill.pk}).content.decode()

    assert "CN-7" in page and f'name="credit_{note.pk}"' in page
    for other in ("CN-EURO", "CN-OTHER-SUPPLIER", "CN-USED", "CN-VOID"):
        assert other not in page


def test_another_companys_credit_note_is_never_offered(client_member, company, bill, mapped):
    foreign_supplier = SupplierFactory(codat_supplier_id=bill.codat_supplier_id)
    stranger = CreditNoteFactory(company=foreign_supplier.company, supplier=foreign_supplier)

    page = client_member.get(reverse("payments:payment-new"), {"bill": bill.pk}).content.decode()

    assert f'name="credit_{stranger.pk}"' not in page
    response = _post(client_member, bill, **{f"credit_{stranger.pk}": "10.00"})
    assert Payment.objects.get(company=company).credit_amount == 0  # an unknown field: ignored
    assert response.status_code == 302


@pytest.mark.parametrize(
    "value", ["abc", "-5", "1e3", "12.345", "NaN", "９", "10,00,0", "99999999999999999999"]
)
def test_hostile_credit_amounts_are_an_inline_error(client_member, bill, note, mapped, value):
    response = _post(client_member, bill, **{f"credit_{note.pk}": value})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Payment.objects.exists()


def test_more_credit_than_is_left_is_an_inline_error(client_member, bill, note, mapped):
    response = _post(client_member, bill, **{f"credit_{note.pk}": "50.01"})

    assert response.status_code == 200
    assert "At most $50.00 of this credit is left to use." in response.content.decode()
    assert not Payment.objects.exists()


def test_more_credit_than_the_bills_get_is_an_error(client_member, company, bill, mapped):
    big = CreditNoteFactory(company=company, supplier=bill.supplier, total_amount=Decimal("500"))
    response = _post(
        client_member, bill, **{f"amount_{bill.pk}": "30.00", f"credit_{big.pk}": "40"}
    )

    assert response.status_code == 200
    assert "is more than the amounts you pay" in response.content.decode()
    assert not Payment.objects.exists()


def test_credit_held_by_another_payment_is_not_offered_again(client_member, bill, note, mapped):
    _post(client_member, bill, **{f"amount_{bill.pk}": "60.00", f"credit_{note.pk}": "50"})

    page = client_member.get(reverse("payments:payment-new"), {"bill": bill.pk}).content.decode()

    assert "CN-7" not in page
    # A forged field for it is not a field of the form: ignored, nothing more is used.
    _post(client_member, bill, **{f"amount_{bill.pk}": "60.00", f"credit_{note.pk}": "1"})
    assert sum(c.amount for c in PaymentCredit.objects.all()) == Decimal("50.00")
    assert Payment.objects.order_by("pk").last().credit_amount == 0


def test_applying_credit_shows_the_credit_and_the_cash_on_the_review_page(
    client_member, bill, note, mapped
):
    response = _post(client_member, bill, **{f"credit_{note.pk}": "50.00"})

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert (payment.total_amount, payment.credit_amount) == (Decimal("70.00"), Decimal("50.00"))
    [credit] = PaymentCredit.objects.filter(payment=payment)
    assert (credit.credit_note, credit.bill, credit.amount) == (note, bill, Decimal("50.00"))
    page = client_member.get(response["Location"]).content.decode()
    assert "Credit notes from this supplier cover <strong>$50.00</strong>" in page
    assert "<strong>$70.00</strong> is left to pay from the account" in page
    assert "CN-7: $50.00 against" in page
    assert "Cash to pay" in page


def test_credit_covering_everything_says_no_money_moves(client_member, company, bill, mapped):
    big = CreditNoteFactory(company=company, supplier=bill.supplier, total_amount=Decimal("500"))
    response = _post(client_member, bill, **{f"credit_{big.pk}": "120"})

    payment = Payment.objects.get()
    assert (payment.total_amount, payment.credit_amount) == (0, Decimal("120.00"))
    page = client_member.get(response["Location"]).content.decode()
    assert "no money leaves the account" in page
    assert "Record $120.00 of credit in your books" in page


def test_myob_books_get_no_credit_offered(client_member, company, bill, note, mapped):
    from billpay.onboarding.models import AccountingConnection

    AccountingConnection.objects.create(
        company=company,
        codat_connection_id="c-1",
        platform_key="myob",
        platform_name="MYOB",
        status=AccountingConnection.Status.LINKED,
    )
    page = client_member.get(reverse("payments:payment-new"), {"bill": bill.pk}).content.decode()

    assert "CN-7" not in page


def test_the_payments_list_says_the_credit_beside_the_cash(client_member, bill, note, mapped):
    _post(client_member, bill, **{f"credit_{note.pk}": "50.00"})

    page = client_member.get(reverse("payments:payment-list")).content.decode()

    assert "$70.00" in page and "+ $50.00 credit" in page
