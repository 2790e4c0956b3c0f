"""The supplier's page and the new-credit-note form: tenancy, roles, the platform's rules,
hostile input, the duplicate guard and the one-time key."""

import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from billpay.bills.models import LOCAL_ID_PREFIX, CreditNote, LedgerWrite
from billpay.bills.services.options import FieldRule, PlatformRules
from billpay.core.parsing import scoped_key
from tests.bills.test_credit_note_create import note_form_data
from tests.factories import (
    CreditNoteFactory,
    ExpenseAccountFactory,
    SupplierFactory,
    TaxRateFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

QUICKBOOKS = PlatformRules(
    platform_name="QuickBooks Online",
    loaded=True,
    fields={
        "billCreditNoteNumber": FieldRule("billCreditNoteNumber", "Number", max_length=21),
        "currency": FieldRule("currency", "Currency", required=True, choices=("USD", "CAD")),
        "lineItems.description": FieldRule("lineItems.description", "Description", required=True),
    },
)


@pytest.fixture(autouse=True)
def rules():
    """No Codat (the company is not linked) and no broker; the platform's rules as given."""
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit"),
        mock.patch(
            "billpay.bills.views.credit_notes.push_rules_get", return_value=PlatformRules()
        ) as rules,
    ):
        yield rules


@pytest.fixture
def supplier(company):
    return SupplierFactory(company=company, name="Acme Mills", default_currency="USD")


@pytest.fixture
def account(company):
    return ExpenseAccountFactory(company=company)


def _new(supplier) -> str:
    return reverse("bills:credit-note-new", args=[supplier.pk])


def _page(supplier) -> str:
    return reverse("bills:supplier-detail", args=[supplier.pk])


# --- the supplier's page ----------------------------------------------------------------------


def test_the_suppliers_page_shows_only_its_credit_still_available(client_member, supplier):
    company = supplier.company
    CreditNoteFactory(company=company, supplier=supplier, number="CN-OPEN")
    CreditNoteFactory(
        company=company,
        supplier=supplier,
        number="CN-HALF",
        status="PartiallyPaid",
        total_amount=Decimal("200.00"),
        remaining_credit=Decimal("75.50"),
    )
    CreditNoteFactory(company=company, supplier=supplier, number="CN-USED", remaining_credit=0)
    CreditNoteFactory(company=company, supplier=supplier, number="CN-GONE", is_deleted=True)
    CreditNoteFactory(company=company, supplier=supplier, number="CN-VOID", status="Void")
    CreditNoteFactory(company=company, number="CN-OTHER-SUPPLIER")

    text = client_member.get(_page(supplier)).content.decode()

    assert "CN-OPEN" in text and "CN-HALF" in text and "$75.50" in text and "$200.00" in text
    assert "Partly used" in text
    for hidden in ("CN-USED", "CN-GONE", "CN-VOID", "CN-OTHER-SUPPLIER"):
        assert hidden not in text
    assert _new(supplier) in text  # the way to a new credit note
    assert "PartiallyPaid" not in text and "remainingCredit" not in text  # no API words


def test_a_supplier_without_credit_says_so(client_member, supplier):
    text = client_member.get(_page(supplier)).content.decode()

    assert "No credit available from this supplier." in text


def test_the_suppliers_list_links_to_each_suppliers_page(client_member, supplier):
    text = client_member.get(reverse("bills:suppliers")).content.decode()

    assert _page(supplier) in text


def test_another_companys_supplier_is_a_404_everywhere(client_member, other_company, account):
    theirs = SupplierFactory(company=other_company)

    assert client_member.get(_page(theirs)).status_code == 404
    assert client_member.get(_new(theirs)).status_code == 404
    response = client_member.post(_new(theirs), note_form_data(account=account))
    assert response.status_code == 404
    assert not CreditNote.objects.exists()


@pytest.mark.parametrize(
    ("role", "allowed"), [("viewer", False), ("approver", False), ("accountant", True)]
)
def test_only_roles_that_edit_bills_may_add_a_credit_note(
    company, supplier, account, role, allowed
):
    from tests.conftest import _logged_in
    from tests.factories import MembershipFactory

    member = MembershipFactory(company=company, role=role, user__email=f"{role}@example.com")
    client = _logged_in(member.user, company)

    page = client.get(_page(supplier))
    new = client.get(_new(supplier))
    posted = client.post(_new(supplier), note_form_data(account=account))

    assert page.status_code == 200
    assert (_new(supplier) in page.content.decode()) == allowed
    assert new.status_code == (200 if allowed else 403)
    assert posted.status_code == (302 if allowed else 403)
    assert CreditNote.objects.exists() == allowed


def test_a_supplier_not_in_the_books_yet_cannot_have_a_credit_note(client_member, company, account):
    local = SupplierFactory(company=company, codat_supplier_id=f"{LOCAL_ID_PREFIX}x")

    response = client_member.post(_new(local), note_form_data(account=account))

    assert response.status_code == 200
    assert "not in your books yet" in response.content.decode()
    assert not CreditNote.objects.exists()


# --- the form ---------------------------------------------------------------------------------


def test_the_form_offers_the_suppliers_currency_and_the_platforms_limits(
    client_member, supplier, rules
):
    rules.return_value = QUICKBOOKS

    text = client_member.get(_new(supplier)).content.decode()

    assert "credit note numbers up to 21 characters" in text
    assert '<option value="USD" selected>USD</option>' in text
    assert '<option value="CAD">CAD</option>' in text
    assert 'maxlength="21"' in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"number": "N" * 22}, "at most 21 characters"),
        ({"currency": "EUR"}, "accepts USD, CAD here, not EUR"),
        ({"lines-0-description": ""}, "QuickBooks Online needs a description."),
        ({"lines-0-unit_amount": "1e999"}, ""),
        ({"lines-0-unit_amount": "-5"}, ""),
        ({"issue_date": "2026-02-30"}, ""),
        ({"issue_date": "9999-12-31"}, ""),
        ({"lines-TOTAL_FORMS": "99999999999"}, ""),
        ({"lines-0-account": "not-a-number"}, ""),
        ({"number": "CN\x00-1"}, ""),
    ],
)
def test_what_the_platform_or_the_app_refuses_is_a_form_error_never_a_500(
    client_member, supplier, account, rules, changes, message
):
    rules.return_value = QUICKBOOKS
    data = note_form_data(account=account)
    data.update(changes)

    response = client_member.post(_new(supplier), data)

    assert response.status_code == 200
    if message:
        assert message in response.content.decode()
    assert not CreditNote.objects.exists()


def test_a_forged_submission_key_is_refused(client_member, supplier, account):
    response = client_member.post(
        _new(supplier), note_form_data(account=account, submission_key="not-a-key")
    )

    assert response.status_code == 200
    assert not CreditNote.objects.exists()


def test_a_line_account_of_another_company_is_refused(client_member, supplier, other_company):
    theirs = ExpenseAccountFactory(company=other_company)

    response = client_member.post(_new(supplier), note_form_data(account=theirs))

    assert response.status_code == 200
    assert not CreditNote.objects.exists()


def test_a_valid_note_is_stored_with_exact_totals_and_one_write(client_member, supplier, account):
    tax = TaxRateFactory(company=supplier.company, effective_tax_rate=Decimal("20"))
    data = note_form_data(
        account=account,
        lines=[
            {"description": "Sacks", "quantity": "3", "unit_amount": "0.10"},
            {"description": "Pallet", "quantity": "1", "unit_amount": "19.995"},
        ],
    )
    data["lines-1-tax_rate"] = str(tax.pk)

    response = client_member.post(_new(supplier), data)

    assert response.status_code == 302
    note = CreditNote.objects.get()
    # 0.30 + 20.00 (19.995 rounded to the cent) + 4.00 tax on the second line
    assert (note.sub_total, note.tax_amount, note.total_amount) == (
        Decimal("20.30"),
        Decimal("4.00"),
        Decimal("24.30"),
    )
    assert note.remaining_credit == note.total_amount
    assert note.codat_id.startswith(LOCAL_ID_PREFIX)
    write = LedgerWrite.objects.get(credit_note=note)
    assert write.push.kind == "credit_note.create"
    key = uuid.UUID(data["submission_key"])
    assert write.push.idempotency_key == scoped_key(company_id=supplier.company_id, key=key)
    assert note.raw["lineItems"][1]["taxRateRef"] == {"id": tax.codat_tax_rate_id}


def test_the_same_form_posted_twice_makes_one_note(client_member, supplier, account):
    data = note_form_data(account=account)

    client_member.post(_new(supplier), data)
    client_member.post(_new(supplier), data)

    assert CreditNote.objects.count() == 1
    assert LedgerWrite.objects.count() == 1


def test_a_likely_duplicate_is_shown_and_made_only_when_confirmed(client_member, supplier, account):
    CreditNoteFactory(company=supplier.company, supplier=supplier, number="cn-5001")
    data = note_form_data(account=account, number="CN-5001")

    warned = client_member.post(_new(supplier), data)

    assert warned.status_code == 200
    assert "looks like a credit note you already have" in warned.content.decode()
    assert CreditNote.objects.count() == 1
    confirmed = client_member.post(_new(supplier), {**data, "confirm_duplicate": "1"})
    assert confirmed.status_code == 302
    assert CreditNote.objects.filter(number="CN-5001").count() == 1


def test_the_htmx_form_answers_its_partial_and_redirects_the_client(htmx_client, supplier, account):
    partial = htmx_client.get(_new(supplier))
    done = htmx_client.post(_new(supplier), note_form_data(account=account))

    assert "<html" not in partial.content.decode()
    assert 'id="credit-note-form"' in partial.content.decode()
    assert done["HX-Redirect"] == _page(supplier)


def test_adding_lines_keeps_what_was_typed(client_member, supplier, account):
    data = note_form_data(account=account, action="add_lines")

    response = client_member.post(_new(supplier), data)

    assert response.status_code == 200
    assert 'name="lines-3-description"' in response.content.decode()
    assert not CreditNote.objects.exists()
