"""A bill created here lands in the sandbox's books, once, with its totals and its invoice file."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from billpay.bills.models import Bill, LedgerWrite, Supplier, SyncRun, TaxRate
from billpay.bills.services import SyncOutcome, bills_sync
from billpay.bills.tasks import sync_start
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.tenancy import SESSION_COMPANY_KEY
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from billpay.sandbox import store
from billpay.sandbox.models import (
    SandboxAttachment,
    SandboxCompany,
    SandboxLedgerRecord,
    SandboxPushOperation,
)
from tests.factories import PDF_BYTES, bill_form_data, drain_writes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enqueues():
    """Celery enqueues captured (tests run the work themselves with drain_writes)."""
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit") as writes,
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit") as syncs,
    ):
        yield mock.Mock(writes=writes, syncs=syncs)


@pytest.fixture
def books(linked_company, enqueues):
    """The linked company with its books synced, and a browser logged in as its owner."""
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE
    client = Client()
    client.force_login(linked_company.memberships.first().user)
    session = client.session
    session[SESSION_COMPANY_KEY] = linked_company.pk
    session.save()
    linked_company.client = client
    return linked_company


def _choices(company):
    supplier = Supplier.objects.filter(company=company, status="Active").order_by("pk").first()
    account = LedgerAccount.objects.filter(
        company=company, is_bank_account=False, account_type="Expense"
    ).first()
    tax = TaxRate.objects.filter(company=company, effective_tax_rate__gt=0).first()
    return supplier, account, tax


def _ledger_bills(company):
    return SandboxLedgerRecord.objects.filter(
        company=company.seeded.company, data_type="bills", is_deleted=False
    )


def _bill_pushes(company) -> int:
    return SandboxPushOperation.objects.filter(
        company=company.seeded.company, data_type="bills", kind="Create"
    ).count()


def test_a_bill_with_lines_tax_and_a_file_lands_in_the_books(books):
    supplier, account, tax = _choices(books)
    before = _ledger_bills(books).count()
    data = bill_form_data(
        supplier=supplier,
        account=account,
        tax_rate=tax,
        reference="INV-LAND-1",
        lines=[
            {"description": "Flour", "quantity": "3", "unit_amount": "12.345"},
            {"description": "Sugar", "quantity": "1", "unit_amount": "80.00", "tax_rate": None},
        ],
        attachment=SimpleUploadedFile("invoice.pdf", PDF_BYTES, content_type="application/pdf"),
    )

    response = books.client.post(reverse("bills:bill-new"), data)

    bill = Bill.objects.get(company=books, reference="INV-LAND-1")
    assert response.status_code == 302
    assert response.url == reverse("bills:bill-detail", args=[bill.pk])
    assert bill.push_state == "sending" and not bill.is_in_books
    drain_writes(books)
    bill.refresh_from_db()
    assert bill.push_state == "in_books"
    assert bill.is_in_books
    ledger = store.ledger_get(books.seeded.company, "bills", bill.codat_bill_id)
    line_tax = (Decimal("37.04") * tax.effective_tax_rate / 100).quantize(Decimal("0.01"))
    assert Decimal(ledger["subTotal"]) == Decimal("117.04")  # 3 × 12.345 = 37.035 → 37.04
    assert Decimal(ledger["taxAmount"]) == line_tax
    assert Decimal(ledger["totalAmount"]) == Decimal("117.04") + line_tax
    assert ledger["supplierRef"]["id"] == supplier.codat_supplier_id
    assert [item["accountRef"]["id"] for item in ledger["lineItems"]] == [
        account.codat_account_id
    ] * 2
    assert _ledger_bills(books).count() == before + 1
    attachment = SandboxAttachment.objects.get(
        company=books.seeded.company, bill_id=bill.codat_bill_id
    )
    assert attachment.is_visible and bytes(attachment.content) == PDF_BYTES
    assert bill.uploads.get().codat_attachment_id == str(attachment.pk)
    # The sync after the write refreshed the same row from the books (no twin).
    assert Bill.objects.filter(company=books, codat_bill_id=bill.codat_bill_id).count() == 1
    assert bill.modified_date is not None and bill.total_amount == Decimal("117.04") + line_tax


def test_submitting_the_same_form_twice_creates_one_bill_in_the_books(books):
    supplier, account, _ = _choices(books)
    data = bill_form_data(supplier=supplier, account=account, reference="INV-TWICE")
    before = _ledger_bills(books).count()

    first = books.client.post(reverse("bills:bill-new"), data)
    second = books.client.post(reverse("bills:bill-new"), data)
    drain_writes(books)

    assert first.url == second.url
    assert Bill.objects.filter(company=books, reference="INV-TWICE").count() == 1
    assert LedgerWrite.objects.filter(company=books, push__kind="bill.create").count() == 1
    assert _ledger_bills(books).count() == before + 1


def test_running_the_task_twice_pushes_once(books):
    from billpay.pushes.tasks import push_advance_task

    supplier, account, _ = _choices(books)
    books.client.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="INV-T2"),
    )
    write = LedgerWrite.objects.get(company=books, bill__reference="INV-T2")
    before = _ledger_bills(books).count()

    with mock.patch.object(push_advance_task, "apply_async"):  # its follow-ups: run below
        for _ in range(2):
            push_advance_task.run(push_id=write.push_id)
    drain_writes(books)

    assert _ledger_bills(books).count() == before + 1
    write.push.refresh_from_db()
    assert write.push.status == "succeeded" and write.push.attempts == 1


def test_a_lost_response_still_makes_exactly_one_bill(books, settings):
    supplier, account, _ = _choices(books)
    sandbox_company = books.seeded.company
    before = _ledger_bills(books).count()
    books.client.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="INV-LOST"),
    )
    write = LedgerWrite.objects.get(company=books, bill__reference="INV-LOST")
    SandboxCompany.objects.filter(pk=sandbox_company.pk).update(
        fault_lost_response_rate=Decimal("1")
    )

    push_advance(push_id=write.push_id)  # the bill is written, but the answer never comes

    write.push.refresh_from_db()
    assert write.push.status == "checking"
    assert _bill_pushes(books) == 1  # Codat did get it
    SandboxCompany.objects.filter(pk=sandbox_company.pk).update(
        fault_lost_response_rate=Decimal("0")
    )
    drain_writes(books)
    write.push.refresh_from_db()
    assert write.push.status == "succeeded"
    assert write.push.attempts == 1  # found by the lookup: never sent again
    assert _bill_pushes(books) == 1
    assert _ledger_bills(books).count() == before + 1
    bill = write.bill
    bill.refresh_from_db()
    assert bill.push_state == "in_books" and bill.is_in_books


def test_a_worker_dying_mid_push_is_looked_up_not_resent_blindly(books):
    from datetime import timedelta

    from django.utils import timezone

    supplier, account, _ = _choices(books)
    books.client.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="INV-CRASH"),
    )
    write = LedgerWrite.objects.get(company=books, bill__reference="INV-CRASH")
    before = _ledger_bills(books).count()
    push_advance(push_id=write.push_id)
    # Simulate a crash after sending: the key was never stored and the push stayed "sending".
    Push.objects.filter(pk=write.push_id).update(
        status="sending",
        push_operation_key="",
        claimed_at=timezone.now() - timedelta(minutes=10),
    )

    drain_writes(books)

    write.push.refresh_from_db()
    assert write.push.status == "succeeded"
    assert _bill_pushes(books) == 1
    assert _ledger_bills(books).count() == before + 1


def test_a_refused_bill_shows_why_and_can_be_fixed_and_sent_again(books):
    supplier, account, _ = _choices(books)
    books.client.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="INV-FAIL"),
    )
    bill = Bill.objects.get(company=books, reference="INV-FAIL")
    # The supplier is archived in the books between the form and the push: the books refuse it.
    ledger = store.ledger_get(books.seeded.company, "suppliers", supplier.codat_supplier_id)
    store.ledger_put(
        books.seeded.company,
        "suppliers",
        supplier.codat_supplier_id,
        {**ledger, "status": "Archived"},
    )

    drain_writes(books)

    bill.refresh_from_db()
    assert bill.push_state == "failed"
    assert "archived" in bill.push_error
    page = books.client.get(reverse("bills:bill-push-status", args=[bill.pk]))
    assert "archived" in page.content.decode()
    assert "Send again" in page.content.decode()

    store.ledger_put(
        books.seeded.company,
        "suppliers",
        supplier.codat_supplier_id,
        {**ledger, "status": "Active"},
    )
    response = books.client.post(
        reverse("bills:bill-resend", args=[bill.pk]),
        {"submission_key": "8a1f8a3e-0d5e-4a43-9d5c-3c7b1c1e2f00"},
    )
    drain_writes(books)

    assert response.status_code == 302
    bill.refresh_from_db()
    assert bill.push_state == "in_books"
    writes = LedgerWrite.objects.filter(bill=bill).select_related("push").order_by("pk")
    assert [w.push.status for w in writes] == ["failed", "succeeded"]
    assert writes[0].push.idempotency_key != writes[1].push.idempotency_key
    assert store.ledger_get(books.seeded.company, "bills", bill.codat_bill_id) is not None


def test_a_bill_with_a_new_supplier_creates_the_supplier_first(books):
    _, account, _ = _choices(books)
    data = bill_form_data(supplier=None, account=account, reference="INV-NEWSUP")
    data.update(new_supplier_name="Brand New Mill Ltd", new_supplier_email="ap@mill.example")

    response = books.client.post(reverse("bills:bill-new"), data)
    drain_writes(books)

    assert response.status_code == 302
    supplier = Supplier.objects.get(company=books, name="Brand New Mill Ltd")
    bill = Bill.objects.get(company=books, reference="INV-NEWSUP")
    assert supplier.is_in_books and supplier.push_state == "in_books"
    assert bill.is_in_books and bill.codat_supplier_id == supplier.codat_supplier_id
    ledger_bill = store.ledger_get(books.seeded.company, "bills", bill.codat_bill_id)
    assert ledger_bill["supplierRef"]["id"] == supplier.codat_supplier_id
    assert (
        store.ledger_get(books.seeded.company, "suppliers", supplier.codat_supplier_id)[
            "emailAddress"
        ]
        == "ap@mill.example"
    )


def test_an_app_bill_can_be_changed_and_deleted_in_the_books(books):
    supplier, account, _ = _choices(books)
    books.client.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="INV-EDIT"),
    )
    drain_writes(books)
    bill = Bill.objects.get(company=books, reference="INV-EDIT")

    data = bill_form_data(
        supplier=supplier,
        account=account,
        reference="INV-EDIT",
        lines=[{"description": "Flour", "quantity": "4", "unit_amount": "50.00"}],
    )
    response = books.client.post(reverse("bills:bill-edit", args=[bill.pk]), data)
    drain_writes(books)

    assert response.status_code == 302
    assert Decimal(
        store.ledger_get(books.seeded.company, "bills", bill.codat_bill_id)["totalAmount"]
    ) == Decimal("200.00")
    response = books.client.post(
        reverse("bills:bill-delete", args=[bill.pk]), {"submission_key": ""}
    )
    drain_writes(books)
    assert store.ledger_get(books.seeded.company, "bills", bill.codat_bill_id) is None
    bill.refresh_from_db()
    assert bill.is_deleted


def test_a_full_sync_leaves_bills_that_are_not_in_the_books_yet_alone(books):
    supplier, account, _ = _choices(books)
    books.client.post(
        reverse("bills:bill-new"),
        bill_form_data(supplier=supplier, account=account, reference="INV-LOCAL"),
    )

    run = sync_start(company=books, trigger=SyncRun.Trigger.MANUAL, full=True)
    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE

    bill = Bill.objects.get(company=books, reference="INV-LOCAL")
    assert not bill.is_deleted and bill.push_state == "sending"
