"""A draft's page: what the file says, the bill form prefilled, confirming into a bill (file
attached, draft created, once), a credit note draft into a credit note, duplicates, discarding
and the original file."""

from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from billpay.bills.models import LOCAL_ID_PREFIX, Bill, BillAttachment, CreditNote, LedgerWrite
from billpay.bills.services.create.inputs import SupplierInput
from billpay.bills.services.options import PlatformRules
from billpay.inbound.einvoice.document import CREDIT_NOTE
from billpay.inbound.models import Draft
from billpay.inbound.services.prefill import Duplicates, Prefill, draft_prefill
from tests.bills.conftest import empty_cache  # noqa: F401
from tests.factories import (
    BillFactory,
    ExpenseAccountFactory,
    SupplierFactory,
    TaxRateFactory,
    bill_form_data,
)
from tests.inbound.test_drafts import PDF, document, make_draft

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture(autouse=True)
def _quiet():
    """No Codat and no broker; no platform rules."""
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit"),
        mock.patch("billpay.bills.views.create.push_rules_get", return_value=PlatformRules()),
        mock.patch("billpay.bills.views.credit_notes.push_rules_get", return_value=PlatformRules()),
    ):
        yield


@pytest.fixture
def books(company):
    return (
        SupplierFactory(company=company, name="Boulangerie Martin"),
        ExpenseAccountFactory(company=company, name="Food"),
        TaxRateFactory(company=company, name="TVA 20", effective_tax_rate=Decimal("20")),
    )


def _confirm_data(supplier, account, rate, **fields):
    lines = [
        {"description": "Croissants", "quantity": "10", "unit_amount": "10.00"},
        {"description": "Baguettes", "quantity": "25", "unit_amount": "2.00"},
    ]
    data = bill_form_data(
        supplier=supplier, account=account, tax_rate=rate, lines=lines, reference="FA-2026-001"
    )
    data.update(fields)
    return data


def test_the_draft_page_shows_the_document_and_the_bill_form_prefilled(
    client_member, company, user, books
):
    supplier, _account, _rate = books
    draft = make_draft(company, supplier=supplier, user=user)

    response = client_member.get(reverse("inbound:draft-detail", args=[draft.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Croissants" in text and "Baguettes" in text and "20 %" in text
    assert 'value="FA-2026-001"' in text  # the bill form's reference, prefilled
    assert f'<option value="{supplier.pk}" selected' in text
    assert reverse("inbound:draft-file", args=[draft.pk]) in text
    assert "will be attached to the bill" in text
    assert 'name="lines-1-description"' in text and 'value="Baguettes"' in text


def test_a_draft_in_another_currency_shows_its_totals_in_that_currency(
    client_member, company, user, books
):
    from dataclasses import replace

    supplier, _account, _rate = books
    draft = make_draft(
        company, doc=replace(document(), currency="EUR"), supplier=supplier, user=user
    )
    draft.currency = "EUR"
    draft.save(update_fields=["currency"])

    text = client_member.get(reverse("inbound:draft-detail", args=[draft.pk])).content.decode()

    totals = text[text.index('id="bill-totals"') :]
    assert "€150.00" in totals and "$" not in totals[:2000]


def test_confirming_creates_the_bill_with_its_lines_and_file_and_marks_the_draft(
    client_member, company, user, books
):
    supplier, account, rate = books
    draft = make_draft(company, supplier=supplier, user=user)

    response = client_member.post(
        reverse("inbound:draft-detail", args=[draft.pk]), _confirm_data(supplier, account, rate)
    )

    bill = Bill.objects.get(company=company)
    assert response.status_code == 302 and response.url == reverse(
        "bills:bill-detail", args=[bill.pk]
    )
    assert bill.reference == "FA-2026-001" and bill.supplier == supplier
    assert bill.total_amount == Decimal("180.00") and bill.tax_amount == Decimal("30.00")
    lines = list(bill.lines.order_by("position"))
    assert [(ln.description, ln.codat_account_id, ln.codat_tax_rate_id) for ln in lines] == [
        ("Croissants", account.codat_account_id, rate.codat_tax_rate_id),
        ("Baguettes", account.codat_account_id, rate.codat_tax_rate_id),
    ]
    attachment = BillAttachment.objects.get(pk=draft.attachment_id)
    assert attachment.bill == bill and attachment.file.read() == PDF
    assert LedgerWrite.objects.filter(bill=bill, push__kind="bill.attachment").count() == 1
    draft.refresh_from_db()
    assert draft.status == Draft.Status.CREATED and draft.bill == bill and draft.decided_by == user


def test_confirming_twice_makes_one_bill_and_the_second_lands_on_it(
    client_member, company, user, books
):
    supplier, account, rate = books
    draft = make_draft(company, supplier=supplier, user=user)
    url = reverse("inbound:draft-detail", args=[draft.pk])

    first = client_member.post(url, _confirm_data(supplier, account, rate))
    second = client_member.post(url, _confirm_data(supplier, account, rate))  # another tab's key

    bill = Bill.objects.get(company=company)
    assert first.url == second.url == reverse("bills:bill-detail", args=[bill.pk])


def test_two_confirms_racing_past_the_status_check_still_make_one_bill(
    client_member, company, user, books
):
    """Both requests read the draft as open: the draft's own key makes the second one's bill
    the first's."""
    supplier, account, rate = books
    draft = make_draft(company, supplier=supplier, user=user)
    url = reverse("inbound:draft-detail", args=[draft.pk])
    client_member.post(url, _confirm_data(supplier, account, rate))
    Draft.objects.filter(pk=draft.pk).update(status=Draft.Status.OPEN, bill=None)

    again = client_member.post(url, _confirm_data(supplier, account, rate))

    bill = Bill.objects.get(company=company)
    assert again.url == reverse("bills:bill-detail", args=[bill.pk])
    assert Draft.objects.get(pk=draft.pk).bill == bill


def test_a_likely_duplicate_bill_is_flagged_before_anything_is_created(
    client_member, company, user, books
):
    supplier, account, rate = books
    existing = BillFactory(
        company=company,
        supplier=supplier,
        reference="FA-2026-001",
        total_amount=Decimal("180.00"),
        issue_date="2026-11-01",
    )
    draft = make_draft(company, supplier=supplier, user=user)
    url = reverse("inbound:draft-detail", args=[draft.pk])

    with mock.patch(
        "billpay.inbound.views.draft_duplicates", return_value=Duplicates(bills=[existing])
    ):
        page = client_member.get(url).content.decode()
        refused = client_member.post(url, _confirm_data(supplier, account, rate))

    assert reverse("bills:bill-detail", args=[existing.pk]) in page
    assert "This may be something you already have" in page
    assert refused.status_code == 200 and "Create it anyway" in refused.content.decode()
    assert Bill.objects.filter(company=company).count() == 1
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.OPEN

    anyway = client_member.post(url, _confirm_data(supplier, account, rate, confirm_duplicate="1"))

    assert anyway.status_code == 302 and Bill.objects.filter(company=company).count() == 2


def test_a_new_supplier_kept_is_created_with_the_invoices_details(
    client_member, company, user, books
):
    _supplier, account, rate = books
    draft = make_draft(company, doc=document(supplier="Fournil Neuf"), user=user)
    details = SupplierInput(
        name="Fournil Neuf",
        tax_number="FR40303265045",
        address_line1="1 rue de la Paix",
        city="Paris",
        postal_code="75002",
        country="FR",
    )
    prefill = draft_prefill(draft=draft)
    prefill = Prefill(
        header={**prefill.header, "supplier": None, "new_supplier_name": "Fournil Neuf"},
        lines=prefill.lines,
        new_supplier=details,
    )
    data = _confirm_data(None, account, rate, new_supplier_name="Fournil Neuf")

    with mock.patch("billpay.inbound.views.draft_prefill", return_value=prefill):
        page = client_member.get(reverse("inbound:draft-detail", args=[draft.pk]))
        response = client_member.post(reverse("inbound:draft-detail", args=[draft.pk]), data)

    assert 'value="Fournil Neuf"' in page.content.decode()
    assert response.status_code == 302
    bill = Bill.objects.get(company=company)
    assert bill.supplier.name == "Fournil Neuf"
    assert bill.supplier.tax_number == "FR40303265045"
    assert "Paris" in str(bill.supplier.addresses) and "75002" in str(bill.supplier.addresses)


def test_a_renamed_new_supplier_is_created_with_only_what_was_typed(
    client_member, company, user, books
):
    _supplier, account, rate = books
    draft = make_draft(company, doc=document(supplier="Fournil Neuf"), user=user)
    prefill = Prefill(
        header={"new_supplier_name": "Fournil Neuf"},
        lines=[],
        new_supplier=SupplierInput(name="Fournil Neuf", tax_number="FR40303265045"),
    )
    data = _confirm_data(None, account, rate, new_supplier_name="Another Name")

    with mock.patch("billpay.inbound.views.draft_prefill", return_value=prefill):
        client_member.post(reverse("inbound:draft-detail", args=[draft.pk]), data)

    supplier = Bill.objects.get(company=company).supplier
    assert supplier.name == "Another Name" and supplier.tax_number == ""


def test_a_credit_note_draft_becomes_a_supplier_credit_note(client_member, company, user, books):
    supplier, account, _rate = books
    draft = make_draft(
        company, doc=document(number="AV-7", kind=CREDIT_NOTE), supplier=supplier, user=user
    )
    url = reverse("inbound:draft-detail", args=[draft.pk])

    page = client_member.get(url).content.decode()
    data = {
        "submission_key": "00000000-0000-0000-0000-000000000001",
        "number": "AV-7",
        "issue_date": "2026-11-02",
        "currency": "USD",
        "note": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Returned croissants",
        "lines-0-quantity": "1",
        "lines-0-unit_amount": "30.00",
        "lines-0-account": str(account.pk),
        "lines-0-tax_rate": "",
    }
    response = client_member.post(url, data)

    assert 'value="AV-7"' in page and "Credit note from Boulangerie Martin" in page
    note = CreditNote.objects.get(company=company)
    assert note.number == "AV-7" and note.supplier == supplier
    assert note.total_amount == Decimal("30.00")
    assert response.url == reverse("bills:supplier-detail", args=[supplier.pk])
    draft.refresh_from_db()
    assert draft.status == Draft.Status.CREATED and draft.credit_note == note
    assert not Bill.objects.filter(company=company).exists()


def test_a_credit_note_from_a_supplier_not_in_the_books_says_what_to_do(
    client_member, company, user
):
    local = SupplierFactory(company=company, codat_supplier_id=f"{LOCAL_ID_PREFIX}x", name="Tiny")
    unknown = make_draft(company, doc=document(number="AV-8", kind=CREDIT_NOTE), user=user)
    pending = make_draft(
        company, doc=document(number="AV-9", kind=CREDIT_NOTE), supplier=local, user=user
    )

    first = client_member.get(reverse("inbound:draft-detail", args=[unknown.pk])).content.decode()
    second = client_member.get(reverse("inbound:draft-detail", args=[pending.pk])).content.decode()

    assert "Add the supplier first" in first and reverse("bills:supplier-new") in first
    assert "Tiny is not in your books yet" in second


def test_a_file_only_draft_shows_the_empty_bill_form_beside_its_file(client_member, company, user):
    draft = make_draft(
        company,
        user=user,
        kind=Draft.Kind.FILE,
        data={},
        reference="",
        supplier_name="",
        total_amount=None,
    )

    response = client_member.get(reverse("inbound:draft-detail", args=[draft.pk]))

    text = response.content.decode()
    assert "Complete a bill from a file" in text and "type the bill below" in text
    assert reverse("inbound:draft-file", args=[draft.pk]) in text


def test_discarding_asks_first_then_sets_the_draft_aside(client_member, company, user):
    draft = make_draft(company, user=user)
    url = reverse("inbound:draft-discard", args=[draft.pk])

    ask = client_member.get(url)
    assert ask.status_code == 200 and "will be set aside" in ask.content.decode()
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.OPEN

    done = client_member.post(url)

    assert done.status_code == 302 and done.url == reverse("inbound:draft-list")
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.DISCARDED
    listing = client_member.get(reverse("inbound:draft-list")).content.decode()
    assert reverse("inbound:draft-detail", args=[draft.pk]) not in listing
    # Its page no longer offers to create anything.
    closed = client_member.get(reverse("inbound:draft-detail", args=[draft.pk])).content.decode()
    assert "set aside" in closed and "bill-form" not in closed


def test_the_original_file_is_a_download_with_a_safe_name(client_member, company, user):
    draft = make_draft(company, user=user)

    response = client_member.get(reverse("inbound:draft-file", args=[draft.pk]))

    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_credit_note_draft_says_so_when_the_platform_has_no_credit_notes(
    client_member, company, user, books
):
    from django.utils import timezone

    from billpay.bills.models import SyncRun

    supplier, _account, _rate = books
    SyncRun.objects.create(
        company=company,
        trigger=SyncRun.Trigger.MANUAL,
        finished_at=timezone.now(),
        counts={"billCreditNotes": {"not_supported": True}},
    )
    draft = make_draft(
        company, doc=document(number="AV-10", kind=CREDIT_NOTE), supplier=supplier, user=user
    )

    page = client_member.get(reverse("inbound:draft-detail", args=[draft.pk])).content.decode()

    assert "does not take supplier credit notes" in page
    assert "credit-note-form" not in page
    assert reverse("inbound:draft-discard", args=[draft.pk]) in page


def test_a_file_only_draft_keeps_the_forms_defaults(client_member, company, user):
    from django.utils import timezone

    draft = make_draft(
        company,
        user=user,
        kind=Draft.Kind.FILE,
        data={},
        reference="",
        supplier_name="",
        total_amount=None,
        issue_date=None,
        currency="",
    )

    response = client_member.get(reverse("inbound:draft-detail", args=[draft.pk]))

    initial = response.context["form"].initial
    assert initial["issue_date"] == timezone.localdate()
    assert initial["currency"] == company.base_currency
    assert 'name="new_supplier_name"' in response.content.decode()
