"""Which account in the books a lost bank account push created (`bank_account_find`)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billpay.codat.schemas import Account
from billpay.mapping.models import BankAccountRequest, LedgerAccount
from billpay.mapping.services import PUSH_KIND, bank_account_find
from billpay.pushes.models import Push

pytestmark = pytest.mark.django_db


def request_for(company, **fields) -> BankAccountRequest:
    push = Push.objects.create(
        company=company,
        kind=PUSH_KIND,
        data_type="bankAccounts",
        status=Push.Status.CHECKING,
        first_sent_at=timezone.now() - timedelta(minutes=10),
    )
    values = {"method": "bank_transfer", "currency": "USD", "account_type": "Debit"}
    return BankAccountRequest.objects.create(
        company=company, account_name="Payroll", push=push, **(values | fields)
    )


def in_books(account_id: str, **fields) -> Account:
    values = {"name": "Payroll", "currency": "USD", "type": "Asset", "is_bank_account": True}
    values["modified_date"] = timezone.now()
    return Account(id=account_id, **(values | fields))


def test_the_account_with_the_requested_name_type_and_currency_is_ours(company):
    request = request_for(company)
    books = [
        in_books("other-name", name="Savings"),
        in_books("other-currency", currency="EUR"),
        in_books("a-card", type="Liability"),
        in_books("deleted", is_deleted=True),
        in_books("ours", name=" payroll "),
    ]

    assert bank_account_find(push=request.push, accounts=books) == "ours"


def test_an_account_we_mirrored_before_sending_is_not_ours(company):
    request = request_for(company)
    LedgerAccount.objects.create(
        company=company, codat_account_id="known", first_seen_at=timezone.now() - timedelta(days=1)
    )
    LedgerAccount.objects.create(
        company=company, codat_account_id="known-long-ago", first_seen_at=None
    )
    LedgerAccount.objects.create(company=company, codat_account_id="seen-since")  # now

    found = bank_account_find(
        push=request.push,
        accounts=[in_books("known"), in_books("known-long-ago"), in_books("seen-since")],
    )

    assert found == "seen-since"


def test_an_account_another_push_of_ours_created_is_not_ours(company):
    request = request_for(company)
    Push.objects.create(
        company=company,
        kind=PUSH_KIND,
        data_type="bankAccounts",
        status=Push.Status.SUCCEEDED,
        record_id="theirs",
    )

    found = bank_account_find(push=request.push, accounts=[in_books("theirs")])

    assert found == ""


def test_an_account_codat_last_changed_before_we_sent_is_not_ours(company):
    request = request_for(company)
    old = in_books("old", modified_date=timezone.now() - timedelta(days=3))

    assert bank_account_find(push=request.push, accounts=[old]) == ""


def test_a_card_request_looks_for_a_liability(company):
    request = request_for(company, method="card", account_type="Credit")

    found = bank_account_find(
        push=request.push, accounts=[in_books("bank"), in_books("card", type="Liability")]
    )

    assert found == "card"
