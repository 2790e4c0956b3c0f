"""Hostile input to the bill and supplier forms becomes form errors, never a 500 (issue 10).

Each test here names an input that used to end in a 500 (or in a wrong answer) and pins what the
user sees now.
"""

import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from billpay.bills.models import Bill, LedgerWrite, Supplier
from billpay.bills.services.options import PlatformRules
from billpay.core.parsing import scoped_key
from tests.factories import (
    BillFactory,
    CompanyFactory,
    ExpenseAccountFactory,
    LedgerWriteFactory,
    MembershipFactory,
    SupplierFactory,
    TaxRateFactory,
    bill_form_data,
)
from tests.security.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def _quiet():
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit") as enqueue,
        mock.patch("billpay.bills.views.create.push_rules_get", return_value=PlatformRules()),
    ):
        yield enqueue


@pytest.fixture
def choices(company):
    return (
        SupplierFactory(company=company, name="Acme Mills"),
        ExpenseAccountFactory(company=company),
        TaxRateFactory(company=company, effective_tax_rate=Decimal("20")),
    )


def _errors(response) -> str:
    return response.content.decode()


# --- the line count ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", ["abc", "1.5", "²", "١٢٣", "9" * 5_000, ""])
def test_adding_lines_with_a_forged_line_count_is_a_form_error(client_member, _quiet, count):
    # int(data["lines-TOTAL_FORMS"]) used to raise ValueError here: a 500.
    response = client_member.post(
        reverse("bills:bill-new"), {"action": "add_lines", "lines-TOTAL_FORMS": count}
    )

    assert response.status_code == 200
    assert not Bill.objects.exists()


def test_a_huge_line_count_renders_no_more_lines_than_a_bill_can_have(client_member, _quiet):
    # 99999999999999999999 used to render 1,200 line forms (seconds, megabytes) per request.
    response = client_member.post(
        reverse("bills:bill-new"), {"lines-TOTAL_FORMS": "9" * 20, "lines-INITIAL_FORMS": "0"}
    )

    assert response.status_code == 200
    assert 'name="lines-199-quantity"' not in _errors(response)
    assert len(response.content) < 200_000


def test_adding_lines_stops_at_the_most_a_bill_can_have(client_member, _quiet):
    response = client_member.post(
        reverse("bills:bill-new"),
        {"action": "add_lines", "lines-TOTAL_FORMS": "199", "lines-INITIAL_FORMS": "0"},
    )

    assert 'name="lines-199-quantity"' in _errors(response)
    assert 'name="lines-200-quantity"' not in _errors(response)


# --- amounts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit_amount"),
    [
        ("١٢٣", "10"),
        ("1", "١٢٣٫٤٥"),
        ("1e3", "10"),
        ("1", "NaN"),
        ("0x10", "1"),
        ("1", "1_000"),
        ("1", "10.12345"),
        ("1", "-5.00"),
    ],
)
def test_a_line_with_a_number_that_is_not_plain_digits_is_a_form_error(
    client_member, company, choices, _quiet, quantity, unit_amount
):
    supplier, account, _ = choices
    data = bill_form_data(
        supplier=supplier,
        account=account,
        lines=[{"description": "x", "quantity": quantity, "unit_amount": unit_amount}],
    )

    response = client_member.post(reverse("bills:bill-new"), data)

    assert response.status_code == 200
    assert not Bill.objects.filter(company=company).exists()


def test_a_line_larger_than_the_books_can_hold_is_a_form_error(
    client_member, company, choices, _quiet
):
    # 10^14 × 10^14 passed each field's 19 digits and overflowed the column on save: a 500.
    supplier, account, _ = choices
    data = bill_form_data(
        supplier=supplier,
        account=account,
        lines=[{"quantity": "100000000000000", "unit_amount": "100000000000000"}],
    )

    response = client_member.post(reverse("bills:bill-new"), data)

    assert response.status_code == 200
    assert "larger than BillPay can record" in _errors(response)
    assert not Bill.objects.filter(company=company).exists()


def test_a_bill_whose_total_overflows_is_a_form_error(client_member, company, choices, _quiet):
    supplier, account, tax = choices  # 20% tax on two lines of 5×10^14 each
    line = {"quantity": "1", "unit_amount": "500000000000000", "tax_rate": tax}
    data = bill_form_data(supplier=supplier, account=account, lines=[line, line])

    response = client_member.post(reverse("bills:bill-new"), data)

    assert response.status_code == 200
    assert "The bill&#x27;s total is larger than BillPay can record." in _errors(response)
    assert not Bill.objects.filter(company=company).exists()


def test_live_totals_of_absurd_lines_answer_without_a_500(htmx_client, choices, _quiet):
    supplier, account, _ = choices
    data = bill_form_data(
        supplier=supplier,
        account=account,
        lines=[
            {"quantity": "999999999999999", "unit_amount": "999999999999999"},
            {"quantity": "2", "unit_amount": "1.50"},
        ],
    )

    response = htmx_client.post(reverse("bills:bill-form-totals"), data)

    assert response.status_code == 200
    assert "$3.00" in _errors(response)  # the line that can be read; the other is an error


# --- dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("issue", ["2026-02-30", "99999-01-01", "٢٠٢٦-٠١-٠١", "9999-12-31"])
def test_an_impossible_or_absurd_issue_date_is_a_form_error(
    client_member, company, choices, _quiet, issue
):
    # 9999-12-31 with no due date: issue + 30 days was an OverflowError (a 500).
    supplier, account, _ = choices
    data = bill_form_data(supplier=supplier, account=account, issue_date=issue, due_date="")

    response = client_member.post(reverse("bills:bill-new"), data)

    assert response.status_code == 200
    assert not Bill.objects.filter(company=company).exists()


# --- the supplier link --------------------------------------------------------------------------------


@pytest.mark.parametrize("supplier", ["²", "١٢٣", "9" * 40, "-1"])
def test_a_forged_supplier_in_the_new_bill_link_shows_an_empty_form(
    client_member, _quiet, supplier
):
    # "²".isdigit() is True and int("²") raises: the form page was a 500.
    response = client_member.get(reverse("bills:bill-new"), {"supplier": supplier})

    assert response.status_code == 200


# --- one-time submission keys, per company ------------------------------------------------------------


def _second_company():
    other = CompanyFactory(name="Other Books Ltd")
    owner = MembershipFactory(company=other, user__email="olga@other.example").user
    return other, logged_in(owner, other)


def test_two_companies_posting_the_same_key_each_get_their_own_bill(
    client_member, company, choices, _quiet
):
    # The write's idempotency key was the posted key itself and unique across companies: the
    # second company's POST was an IntegrityError (a 500), and Codat would have been sent the
    # same Idempotency-Key for two companies' bills.
    supplier, account, _ = choices
    key = uuid.uuid4()
    client_member.post(
        reverse("bills:bill-new"), bill_form_data(supplier=supplier, account=account, key=key)
    )
    other, other_client = _second_company()
    other_supplier = SupplierFactory(company=other, name="Other Mills")
    other_account = ExpenseAccountFactory(company=other)

    response = other_client.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=other_supplier, account=other_account, key=key),
    )

    mine, theirs = Bill.objects.get(company=company), Bill.objects.get(company=other)
    assert response.status_code == 302 and response.url == reverse(
        "bills:bill-detail", args=[theirs.pk]
    )
    keys = {
        w.company_id: w.push.idempotency_key for w in LedgerWrite.objects.select_related("push")
    }
    assert keys == {
        company.pk: scoped_key(company_id=company.pk, key=key),
        other.pk: scoped_key(company_id=other.pk, key=key),
    }
    assert mine.supplier == supplier and theirs.supplier == other_supplier


def test_posting_the_same_form_twice_still_creates_one_bill(
    client_member, company, choices, _quiet
):
    supplier, account, _ = choices
    data = bill_form_data(supplier=supplier, account=account)

    first = client_member.post(reverse("bills:bill-new"), data)
    second = client_member.post(reverse("bills:bill-new"), data)

    bill = Bill.objects.get(company=company)
    assert first.url == second.url == reverse("bills:bill-detail", args=[bill.pk])


@pytest.mark.parametrize("key", ["%%%", "not-a-key", "١" * 32, "9" * 40])
def test_a_malformed_submission_key_is_a_form_error(client_member, company, choices, _quiet, key):
    supplier, account, _ = choices
    data = bill_form_data(supplier=supplier, account=account, submission_key=key)

    response = client_member.post(reverse("bills:bill-new"), data)

    assert response.status_code == 200
    assert "This form has expired or was changed" in _errors(response)
    assert not Bill.objects.filter(company=company).exists()


def test_a_second_company_reusing_a_supplier_form_key_gets_its_own_supplier(
    client_member, company, _quiet
):
    key = str(uuid.uuid4())
    client_member.post(reverse("bills:supplier-new"), {"submission_key": key, "name": "Mine"})
    other, other_client = _second_company()

    response = other_client.post(
        reverse("bills:supplier-new"), {"submission_key": key, "name": "Theirs"}
    )

    assert response.status_code == 302
    assert Supplier.objects.get(company=other).name == "Theirs"
    assert Supplier.objects.get(company=company).name == "Mine"


@pytest.mark.parametrize("action", ["bills:bill-delete", "bills:bill-resend"])
def test_a_malformed_key_on_delete_or_resend_is_refused_in_words(client_member, company, action):
    bill = BillFactory(company=company, origin="app", push_state="failed")
    LedgerWriteFactory(company=company, bill=bill, push__status="failed")

    response = client_member.post(reverse(action, args=[bill.pk]), {"submission_key": "%%%"})

    assert response.status_code == 200
    assert "This page has expired or was changed" in _errors(response)
    bill.refresh_from_db()
    assert not bill.is_deleted
    assert LedgerWrite.objects.filter(bill=bill).count() == 1


def test_another_companys_delete_key_does_not_collide(client_member, company, _quiet):
    # The same raw key posted by two companies used to be one unique idempotency key.
    key = str(uuid.uuid4())
    mine = BillFactory(company=company, origin="app", push_state="failed")
    LedgerWriteFactory(company=company, bill=mine, push__status="failed")
    other, other_client = _second_company()
    theirs = BillFactory(company=other, origin="app", push_state="failed")
    LedgerWriteFactory(company=other, bill=theirs, push__status="failed")

    client_member.post(reverse("bills:bill-resend", args=[mine.pk]), {"submission_key": key})
    response = other_client.post(
        reverse("bills:bill-resend", args=[theirs.pk]), {"submission_key": key}
    )

    assert response.status_code == 302
    assert LedgerWrite.objects.filter(bill=theirs).count() == 2
    assert LedgerWrite.objects.filter(bill=mine).count() == 2
