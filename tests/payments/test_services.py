"""Preparing payments with factories: mapping and currency rules, money, approval, sweep."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billpay.payments.models import Payment, PaymentSettings
from billpay.payments.services import (
    AmountNotAvailable,
    ApprovalRequired,
    MappingRequired,
    NotAllowed,
    PaymentInvalid,
    payment_confirm,
    payment_prepare,
)
from tests.factories import AccountMappingFactory, BillFactory, LedgerAccountFactory

pytestmark = pytest.mark.django_db
S = Payment.Status


def _prepare(company, user, bills, amounts, **kwargs):
    return payment_prepare(
        company=company,
        actor=user,
        bill_ids=[b.pk for b in bills],
        method=kwargs.pop("method", "bank_transfer"),
        amounts=amounts,
        payment_date=kwargs.pop("payment_date", timezone.localdate()),
        **kwargs,
    )


def test_a_payment_needs_a_mapped_account_in_the_bills_currency(company, user):
    AccountMappingFactory(company=company, currency="USD")
    bill = BillFactory(company=company, currency="EUR")

    with pytest.raises(MappingRequired, match="No account is set up to pay EUR bills"):
        _prepare(company, user, [bill], {bill.pk: Decimal("10")})


def test_an_archived_mapped_account_does_not_count(company, user):
    mapping = AccountMappingFactory(company=company)
    mapping.account.status = "Archived"
    mapping.account.save()
    bill = BillFactory(company=company)

    with pytest.raises(MappingRequired):
        _prepare(company, user, [bill], {bill.pk: Decimal("10")})


def test_a_foreign_currency_bill_is_paid_from_an_account_in_that_currency(company, user):
    eur = AccountMappingFactory(company=company, currency="EUR")
    bill = BillFactory(company=company, currency="EUR", currency_rate=Decimal("0.92"))

    payment = _prepare(company, user, [bill], {bill.pk: Decimal("10")})

    assert payment.account == eur.account and payment.currency == "EUR"
    assert payment.currency_rate == Decimal("0.92")
    assert '"currencyRate":0.92' in payment.request_body


def test_amounts_are_rounded_to_the_currency_minor_unit_exactly(company, user):
    AccountMappingFactory(company=company, currency="USD")
    AccountMappingFactory(company=company, currency="JPY")
    usd = BillFactory(company=company)
    yen = BillFactory(
        company=company, currency="JPY", total_amount=Decimal("5000"), amount_due=Decimal("5000")
    )

    dollars = _prepare(company, user, [usd], {usd.pk: Decimal("10.005")})
    yens = _prepare(company, user, [yen], {yen.pk: Decimal("1234.5")})

    assert dollars.total_amount == Decimal("10.01")
    assert (
        '"totalAmount":10.01' in dollars.request_body and '"amount":-10.01' in dollars.request_body
    )
    assert yens.total_amount == Decimal("1235")


def test_a_zero_amount_is_refused(company, user):
    AccountMappingFactory(company=company)
    bill = BillFactory(company=company)

    with pytest.raises(AmountNotAvailable):
        _prepare(company, user, [bill], {bill.pk: Decimal("0")})


def test_several_bills_make_one_payment_with_a_line_each_and_the_sum_as_total(company, user):
    AccountMappingFactory(company=company)
    first = BillFactory(company=company, amount_due=Decimal("100.10"))
    second = BillFactory(company=company, supplier=first.supplier, amount_due=Decimal("0.20"))

    payment = _prepare(
        company, user, [first, second], {first.pk: Decimal("100.10"), second.pk: Decimal("0.20")}
    )

    assert payment.total_amount == Decimal("100.30")
    assert payment.request_body.count('"type":"Bill"') == 2
    assert '"totalAmount":100.30' in payment.request_body


def test_void_and_rejected_bills_cannot_be_paid(company, user):
    AccountMappingFactory(company=company)
    void = BillFactory(company=company, codat_status="Void")
    rejected = BillFactory(company=company, review_status="rejected")

    with pytest.raises(PaymentInvalid, match="is voided in your books"):
        _prepare(company, user, [void], {void.pk: Decimal("1")})
    with pytest.raises(PaymentInvalid, match="rejected"):
        _prepare(company, user, [rejected], {rejected.pk: Decimal("1")})


def test_a_payment_cannot_be_dated_before_the_bill_was_issued(company, user):
    AccountMappingFactory(company=company)
    bill = BillFactory(company=company, issue_date=timezone.localdate() + timedelta(days=3))

    with pytest.raises(PaymentInvalid, match="before the bill was issued"):
        _prepare(company, user, [bill], {bill.pk: Decimal("1")})


def test_accountants_cannot_confirm(company, user, accountant):
    AccountMappingFactory(company=company)
    bill = BillFactory(company=company)
    payment = _prepare(company, accountant, [bill], {bill.pk: Decimal("1")})

    with pytest.raises(NotAllowed):
        payment_confirm(company=company, actor=accountant, payment_id=payment.pk)


def test_foreign_currency_bills_need_approval_whenever_a_threshold_is_set(company, user):
    AccountMappingFactory(company=company, currency="EUR")
    PaymentSettings.objects.create(company=company, approval_threshold=Decimal("100000"))
    bill = BillFactory(company=company, currency="EUR")
    payment = _prepare(company, user, [bill], {bill.pk: Decimal("1")})

    with pytest.raises(ApprovalRequired):
        payment_confirm(company=company, actor=user, payment_id=payment.pk)


def test_another_companys_bill_cannot_be_prepared(company, user, other_company):
    AccountMappingFactory(company=company)
    foreign = BillFactory(company=other_company)

    with pytest.raises(PaymentInvalid):
        _prepare(company, user, [foreign], {foreign.pk: Decimal("1")})


def test_an_account_of_the_wrong_type_is_never_offered(company):
    from billpay.mapping.selectors import mapping_grid, payment_methods

    LedgerAccountFactory(company=company, account_type="Liability", name="Card 1")

    grid = mapping_grid(company=company, methods=payment_methods())

    [card] = [r for r in grid if r.method == "card" and r.currency == "USD"]
    [check] = [r for r in grid if r.method == "check" and r.currency == "USD"]
    assert [a.name for a in card.choices] == ["Card 1"] and check.choices == []
