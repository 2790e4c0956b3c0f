"""The new-bill and supplier pages: tenancy, methods, partials, live totals, duplicates and files."""

import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from billpay.bills.models import Bill, BillAttachment, LedgerWrite, Supplier
from billpay.bills.services.options import PlatformRules
from billpay.core.parsing import scoped_key
from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    AccountingConnectionFactory,
    BillFactory,
    BillLineFactory,
    ExpenseAccountFactory,
    LedgerWriteFactory,
    SupplierFactory,
    TaxRateFactory,
    bill_form_data,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

# (url name, what the id is, allowed methods)
ROUTES = [
    ("bills:bill-new", None, {"get", "post"}),
    ("bills:bill-form-totals", None, {"post"}),
    ("bills:supplier-options", None, {"get"}),
    ("bills:bill-edit", "bill", {"get", "post"}),
    ("bills:bill-delete", "bill", {"post"}),
    ("bills:bill-resend", "bill", {"post"}),
    ("bills:bill-push-status", "bill", {"get"}),
    ("bills:supplier-new", None, {"get", "post"}),
    ("bills:supplier-edit", "supplier", {"get", "post"}),
]


@pytest.fixture(autouse=True)
def _quiet():
    """No Codat (the company is not linked) and no broker: enqueues are captured."""
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


def _url(name, kind, obj):
    return reverse(name, args=[obj.pk]) if kind else reverse(name)


def _objects(company):
    bill = BillFactory(company=company, origin="app", push_state="failed")
    return {"bill": bill, "supplier": bill.supplier}


@pytest.mark.parametrize(("name", "kind", "methods"), ROUTES, ids=[r[0] for r in ROUTES])
def test_anonymous_visitors_are_sent_to_log_in(company, name, kind, methods):
    url = _url(name, kind, _objects(company).get(kind))

    response = getattr(Client(), sorted(methods)[0])(url)

    assert response.status_code == 302 and "/login" in response.url


@pytest.mark.parametrize(
    ("name", "kind", "methods"), [r for r in ROUTES if r[1]], ids=[r[0] for r in ROUTES if r[1]]
)
def test_another_companys_records_are_not_found(client_member, other_company, name, kind, methods):
    theirs = _objects(other_company)[kind]

    for method in methods:
        response = getattr(client_member, method)(_url(name, kind, theirs))
        assert response.status_code == 404
    assert Bill.objects.get(pk=_objects(other_company)["bill"].pk).push_state == "failed"


@pytest.mark.parametrize(("name", "kind", "methods"), ROUTES, ids=[r[0] for r in ROUTES])
def test_other_methods_are_refused(client_member, company, name, kind, methods):
    url = _url(name, kind, _objects(company).get(kind))

    for method in {"get", "post", "put", "delete"} - methods:
        assert getattr(client_member, method)(url).status_code == 405


def test_the_new_bill_page_offers_the_books_choices(client_member, company, choices):
    supplier, account, tax = choices

    response = client_member.get(reverse("bills:bill-new"))

    body = response.content.decode()
    assert response.status_code == 200
    assert supplier.name in body and account.name in body and tax.name in body
    assert 'name="submission_key"' in body


def test_htmx_gets_the_form_partial(htmx_client):
    response = htmx_client.get(reverse("bills:bill-new"))

    body = response.content.decode()
    assert "<html" not in body and 'id="bill-form"' in body


def test_htmx_gets_the_supplier_form_partial(htmx_client):
    response = htmx_client.get(reverse("bills:supplier-new"))

    body = response.content.decode()
    assert "<html" not in body and 'id="supplier-form"' in body


def test_supplier_search_narrows_the_choices(htmx_client, company):
    SupplierFactory(company=company, name="Acme Mills")
    SupplierFactory(company=company, name="Zeta Dairy")

    body = htmx_client.get(reverse("bills:supplier-options"), {"q": "acme"}).content.decode()

    assert "Acme Mills" in body and "Zeta Dairy" not in body and 'id="supplier-select"' in body


def test_live_totals_are_computed_on_the_server_exactly(htmx_client, company, choices):
    supplier, account, tax = choices
    data = bill_form_data(
        supplier=supplier,
        account=account,
        tax_rate=tax,
        lines=[
            {"quantity": "3", "unit_amount": "12.345"},  # 37.035 → 37.04, tax 7.41
            {"quantity": "1", "unit_amount": "0.10", "tax_rate": None},
            {"quantity": "", "unit_amount": "5"},  # half-typed: not counted yet
        ],
    )

    response = htmx_client.post(reverse("bills:bill-form-totals"), data)

    body = response.content.decode()
    assert "<html" not in body and 'id="bill-totals"' in body
    assert "$37.14" in body and "$7.41" in body and "$44.55" in body


def test_creating_a_bill_stores_it_as_sending_with_exact_money(
    client_member, company, choices, _quiet
):
    supplier, account, tax = choices
    data = bill_form_data(
        supplier=supplier,
        account=account,
        tax_rate=tax,
        lines=[{"description": "Flour", "quantity": "3", "unit_amount": "12.345"}],
    )

    response = client_member.post(reverse("bills:bill-new"), data)

    bill = Bill.objects.get(company=company)
    assert response.status_code == 302
    assert (bill.sub_total, bill.tax_amount, bill.total_amount) == (
        Decimal("37.04"),
        Decimal("7.41"),
        Decimal("44.45"),
    )
    assert bill.amount_due == bill.total_amount and bill.push_state == "sending"
    assert bill.origin == "app" and not bill.is_in_books
    line = bill.lines.get()
    assert (line.quantity, line.unit_amount, line.codat_account_id) == (
        Decimal("3"),
        Decimal("12.345"),
        account.codat_account_id,
    )
    write = LedgerWrite.objects.get(bill=bill)
    # The form's key, made this company's own (billpay.core.parsing.scoped_key).
    key = uuid.UUID(data["submission_key"])
    assert write.push.idempotency_key == scoped_key(company_id=company.pk, key=key)
    _quiet.assert_called_once_with(push_id=write.push_id)


def test_htmx_create_redirects_the_client(htmx_client, company, choices):
    supplier, account, _ = choices

    response = htmx_client.post(
        reverse("bills:bill-new"), bill_form_data(supplier=supplier, account=account)
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("bills:bill-detail", args=[Bill.objects.get().pk])


def test_the_due_date_defaults_to_the_suppliers_terms(client_member, company, choices):
    supplier, account, _ = choices
    from datetime import date

    BillFactory(
        company=company, supplier=supplier, issue_date=date(2026, 1, 1), due_date=date(2026, 1, 15)
    )

    client_member.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="NEW-1", due_date=""),
    )

    assert Bill.objects.get(reference="NEW-1").due_date == date(2026, 11, 15)


def test_errors_are_shown_inline_and_nothing_typed_is_lost(htmx_client, company, choices):
    supplier, account, _ = choices
    data = bill_form_data(
        supplier=supplier, account=None, reference="KEEP-ME", due_date="2026-10-01"
    )

    response = htmx_client.post(reverse("bills:bill-new"), data)

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "This field is required." in body
    assert "The due date can&#x27;t be before the issue date." in body
    assert 'value="KEEP-ME"' in body
    assert not Bill.objects.exists()


# --- duplicates -----------------------------------------------------------------------------------


def test_a_bill_with_the_same_supplier_and_reference_needs_confirmation(
    client_member, company, choices
):
    supplier, account, _ = choices
    BillFactory(company=company, supplier=supplier, reference="inv-42")
    data = bill_form_data(supplier=supplier, account=account, reference="INV-42")

    warned = client_member.post(reverse("bills:bill-new"), data)
    confirmed = client_member.post(reverse("bills:bill-new"), {**data, "confirm_duplicate": "1"})

    assert warned.status_code == 200
    assert "This looks like a bill you already have" in warned.content.decode()
    assert "Create it anyway" in warned.content.decode()
    assert confirmed.status_code == 302
    assert Bill.objects.filter(company=company, reference="INV-42").count() == 1


def test_the_same_supplier_amount_and_date_is_a_duplicate_too(client_member, company, choices):
    from datetime import date

    supplier, account, _ = choices
    BillFactory(
        company=company,
        supplier=supplier,
        reference="OTHER",
        total_amount=Decimal("100.00"),
        issue_date=date(2026, 11, 1),
    )

    response = client_member.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="NEW"),
    )

    assert "This looks like a bill you already have" in response.content.decode()
    assert not Bill.objects.filter(reference="NEW").exists()


def test_a_bill_made_here_a_moment_ago_counts_as_a_duplicate(client_member, company, choices):
    supplier, account, _ = choices
    client_member.post(
        reverse("bills:bill-new"), bill_form_data(supplier=supplier, account=account)
    )

    again = client_member.post(
        reverse("bills:bill-new"), bill_form_data(supplier=supplier, account=account)
    )

    assert "(created here)" in again.content.decode()
    assert Bill.objects.filter(company=company).count() == 1


def test_another_companys_bills_are_not_duplicates(client_member, company, other_company, choices):
    supplier, account, _ = choices
    BillFactory(
        company=other_company, reference="INV-5001", codat_supplier_id=supplier.codat_supplier_id
    )

    response = client_member.post(
        reverse("bills:bill-new"), bill_form_data(supplier=supplier, account=account)
    )

    assert response.status_code == 302


# --- invoice files --------------------------------------------------------------------------------


def _with_file(choices, name, content, **extra):
    supplier, account, _ = choices
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return bill_form_data(supplier=supplier, account=account, attachment=upload, **extra)


def test_a_pdf_is_kept_with_the_bill(client_member, company, choices):
    client_member.post(reverse("bills:bill-new"), _with_file(choices, "inv.pdf", PDF_BYTES))

    upload = BillAttachment.objects.get(bill__company=company)
    assert upload.content_type == "application/pdf" and upload.size == len(PDF_BYTES)
    assert upload.file.read() == PDF_BYTES
    assert LedgerWrite.objects.filter(
        push__kind="bill.attachment", attachment=upload, push__status="queued"
    ).exists()


def test_the_type_comes_from_the_bytes_not_the_name(client_member, company, choices):
    response = client_member.post(
        reverse("bills:bill-new"), _with_file(choices, "photo.pdf", PNG_BYTES)
    )

    assert response.status_code == 302
    assert BillAttachment.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", b"MZ\x90\x00 not really a pdf", "Upload a PDF, PNG or JPEG file"),
        ("invoice.exe", b"#!/bin/sh\necho hi", "Upload a PDF, PNG or JPEG file"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_bad_files_are_refused_with_a_clear_reason(
    client_member, company, choices, name, content, message
):
    response = client_member.post(reverse("bills:bill-new"), _with_file(choices, name, content))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Bill.objects.exists() and not BillAttachment.objects.exists()


def test_a_file_over_the_limit_is_refused(client_member, company, choices, settings):
    settings.BILL_ATTACHMENT_MAX_BYTES = 1024 * 1024
    content = PDF_BYTES + b"0" * (2 * 1024 * 1024)

    response = client_member.post(
        reverse("bills:bill-new"), _with_file(choices, "big.pdf", content)
    )

    assert response.status_code == 200
    assert "The file is 2.0 MB; the limit is 1.0 MB." in response.content.decode()
    assert not Bill.objects.exists()


def test_a_good_file_survives_a_form_with_errors(client_member, company, choices):
    data = _with_file(choices, "keep.pdf", PDF_BYTES, reference="")
    data["lines-0-unit_amount"] = "not money"

    first = client_member.post(reverse("bills:bill-new"), data)
    pending = BillAttachment.objects.get()
    assert "keep.pdf is attached" in first.content.decode()
    assert f'value="{pending.pk}"' in first.content.decode()
    fixed = {k: v for k, v in data.items() if k != "attachment"}
    fixed.update({"lines-0-unit_amount": "10", "pending_attachment": str(pending.pk)})
    second = client_member.post(reverse("bills:bill-new"), fixed)

    assert second.status_code == 302
    pending.refresh_from_db()
    assert pending.bill == Bill.objects.get()


def test_someone_elses_pending_file_cannot_be_borrowed(
    client_member, company, other_company, choices
):
    theirs = BillAttachment.objects.create(
        company=other_company,
        name="x.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        file=SimpleUploadedFile("x.pdf", b"%PDF-"),
    )
    supplier, account, _ = choices
    data = bill_form_data(supplier=supplier, account=account, pending_attachment=str(theirs.pk))

    client_member.post(reverse("bills:bill-new"), data)

    theirs.refresh_from_db()
    assert theirs.bill is None
    assert not LedgerWrite.objects.filter(push__kind="bill.attachment").exists()


# --- push state, edit, delete ---------------------------------------------------------------------


def test_the_push_state_polls_while_sending_and_stops_when_done(htmx_client, company):
    bill = BillFactory(company=company, origin="app", push_state="sending")
    sending = htmx_client.get(reverse("bills:bill-push-status", args=[bill.pk]))
    Bill.objects.filter(pk=bill.pk).update(push_state="in_books")
    done = htmx_client.get(reverse("bills:bill-push-status", args=[bill.pk]))

    assert sending.status_code == 200 and 'hx-trigger="every 2s"' in sending.content.decode()
    assert "<html" not in sending.content.decode()
    assert done.status_code == 286 and "In your books" in done.content.decode()


def test_the_inbox_and_detail_show_the_push_state(client_member, company):
    AccountingConnectionFactory(company=company, platform_name="QuickBooks Online")
    sending = BillFactory(
        company=company, origin="app", push_state="sending", supplier_name="Sender"
    )
    BillFactory(
        company=company, origin="app", push_state="failed", push_error="Supplier 1 is archived."
    )

    inbox = client_member.get(reverse("bills:inbox")).content.decode()
    detail = client_member.get(reverse("bills:bill-detail", args=[sending.pk])).content.decode()

    assert "Sending to QuickBooks Online…" in inbox
    assert "Failed</span>" in inbox and "Supplier 1 is archived." in inbox
    assert "New bill" in inbox
    assert "Sending to your books…" in detail


def test_a_failed_bill_shows_the_reason_and_a_way_to_resend(client_member, company, _quiet):
    bill = BillFactory(
        company=company, origin="app", push_state="failed", push_error="Xero refused it: Bad."
    )
    LedgerWriteFactory(
        company=company, bill=bill, push__status="failed", push__error="Xero refused it: Bad."
    )

    page = client_member.get(reverse("bills:bill-push-status", args=[bill.pk])).content.decode()
    response = client_member.post(
        reverse("bills:bill-resend", args=[bill.pk]), {"submission_key": str(uuid.uuid4())}
    )

    assert "Xero refused it: Bad." in page and "Send again" in page
    assert response.status_code == 302
    bill.refresh_from_db()
    assert bill.push_state == "sending"
    assert LedgerWrite.objects.filter(
        bill=bill, push__status="queued", push__kind="bill.update"
    ).exists()


def test_synced_bills_cannot_be_edited_here(client_member, company, choices):
    supplier, account, _ = choices
    bill = BillFactory(company=company, supplier=supplier)

    response = client_member.post(
        reverse("bills:bill-edit", args=[bill.pk]),
        bill_form_data(supplier=supplier, account=account),
    )

    assert response.status_code == 200
    assert "Only bills created in BillPay can be changed here" in response.content.decode()


def test_a_platform_without_bill_updates_says_so(client_member, company, choices):
    AccountingConnectionFactory(
        company=company, platform_key="pdvj", platform_name="Sage Business Cloud"
    )
    supplier, account, _ = choices
    bill = BillFactory(company=company, supplier=supplier, origin="app", push_state="in_books")

    page = client_member.get(reverse("bills:bill-push-status", args=[bill.pk])).content.decode()
    response = client_member.post(
        reverse("bills:bill-edit", args=[bill.pk]),
        bill_form_data(supplier=supplier, account=account),
    )
    deleted = client_member.post(
        reverse("bills:bill-delete", args=[bill.pk]), {"submission_key": ""}
    )

    assert "Sage Business Cloud doesn't let BillPay change bills" in page
    assert "Sage Business Cloud does not let BillPay change bills" in response.content.decode()
    assert "does not let BillPay delete bills" in deleted.content.decode()
    assert not LedgerWrite.objects.filter(bill=bill).exists()


def test_a_paid_bill_cannot_be_changed(client_member, company, choices):
    AccountingConnectionFactory(company=company)
    supplier, account, _ = choices
    bill = BillFactory(
        company=company,
        supplier=supplier,
        origin="app",
        push_state="in_books",
        amount_due=Decimal("0"),
        codat_status="Paid",
    )

    response = client_member.post(
        reverse("bills:bill-delete", args=[bill.pk]), {"submission_key": ""}
    )

    assert "has payments" in response.content.decode()
    assert not LedgerWrite.objects.filter(bill=bill).exists()


def test_a_bill_that_never_reached_the_books_is_deleted_here_only(client_member, company, _quiet):
    bill = BillFactory(company=company, origin="app", push_state="failed", codat_bill_id="local:x")

    response = client_member.post(
        reverse("bills:bill-delete", args=[bill.pk]), {"submission_key": ""}
    )

    assert response.status_code == 302 and response.url == reverse("bills:inbox")
    bill.refresh_from_db()
    assert bill.is_deleted
    _quiet.assert_not_called()


# --- suppliers ------------------------------------------------------------------------------------


def test_a_new_supplier_is_stored_as_sending(client_member, company, _quiet):
    data = {
        "submission_key": str(uuid.uuid4()),
        "name": "Northwind Flour",
        "email": "ap@northwind.example",
        "default_currency": "USD",
        "address_line1": "1 Mill Lane",
        "city": "Springfield",
    }

    first = client_member.post(reverse("bills:supplier-new"), data)
    second = client_member.post(reverse("bills:supplier-new"), data)

    supplier = Supplier.objects.get(company=company, name="Northwind Flour")
    assert first.status_code == second.status_code == 302
    assert supplier.push_state == "sending" and not supplier.is_in_books
    assert supplier.addresses == [
        {"type": "Billing", "line1": "1 Mill Lane", "city": "Springfield"}
    ]
    assert LedgerWrite.objects.filter(supplier=supplier).count() == 1


def test_the_supplier_form_validates_inline(htmx_client):
    response = htmx_client.post(
        reverse("bills:supplier-new"),
        {"submission_key": str(uuid.uuid4()), "name": "", "email": "nope"},
    )

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "This field is required." in body and "Enter a valid email address." in body


def test_the_suppliers_page_links_to_new_and_edit(client_member, company):
    supplier = SupplierFactory(company=company, push_state="failed", push_error="Name taken.")

    body = client_member.get(reverse("bills:suppliers")).content.decode()

    assert reverse("bills:supplier-new") in body
    assert reverse("bills:supplier-edit", args=[supplier.pk]) in body
    assert "Failed: Name taken." in body


def test_add_more_lines_works_without_javascript(client_member, company, choices):
    supplier, account, _ = choices
    data = bill_form_data(supplier=supplier, account=account, action="add_lines")

    response = client_member.post(reverse("bills:bill-new"), data)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="lines-TOTAL_FORMS" value="4"' in body
    assert "This field is required." not in body
    assert not Bill.objects.exists()


def test_the_edit_form_is_a_partial_for_htmx_and_shows_the_bill(htmx_client, company, choices):
    supplier, account, _ = choices
    bill = BillFactory(company=company, supplier=supplier, origin="app", push_state="failed")
    BillLineFactory(
        bill=bill,
        quantity=Decimal("2.5000"),
        unit_amount=Decimal("1500.0000"),
        codat_account_id=account.codat_account_id,
    )

    body = htmx_client.get(reverse("bills:bill-edit", args=[bill.pk])).content.decode()

    assert "<html" not in body and 'id="bill-form"' in body
    assert 'value="2.5"' in body and 'value="1500"' in body
