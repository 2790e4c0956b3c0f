"""Credit notes created here: the supplier's page, the form (checked against the platform's
rules), and the write into the sandbox's books, exactly once, even when the answer is lost."""

from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from billpay.bills.models import CreditNote, LedgerWrite, Supplier
from billpay.bills.selectors import credit_notes_available
from billpay.mapping.models import LedgerAccount
from billpay.pushes.services import push_advance
from billpay.sandbox.models import SandboxCompany, SandboxLedgerRecord, SandboxPushOperation
from tests.factories import drain_writes


@pytest.fixture
def books(linked_company):
    """The linked company with its books synced, and a browser logged in as its owner (Celery
    enqueues captured: the tests run the work themselves with drain_writes)."""
    from django.test import Client

    from billpay.bills.models import SyncRun
    from billpay.bills.services import SyncOutcome, bills_sync
    from billpay.bills.tasks import sync_start
    from billpay.onboarding.tenancy import SESSION_COMPANY_KEY

    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit"),
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"),
    ):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
        assert bills_sync(run_id=run.pk) == SyncOutcome.DONE
        client = Client()
        client.force_login(linked_company.memberships.first().user)
        session = client.session
        session[SESSION_COMPANY_KEY] = linked_company.pk
        session.save()
        linked_company.client = client
        yield linked_company


def note_form_data(*, account, key=None, lines=None, **fields) -> dict:
    """POST data for the new-credit-note form: one line of 2 × 40.00 unless `lines` says so."""
    import uuid

    lines = lines or [{"description": "Returned flour", "quantity": "2", "unit_amount": "40.00"}]
    data = {
        "submission_key": str(key or uuid.uuid4()),
        "number": "CN-5001",
        "issue_date": "2026-11-20",
        "currency": "USD",
        "note": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
    }
    for i, line in enumerate(lines):
        data[f"lines-{i}-description"] = line.get("description", "")
        data[f"lines-{i}-quantity"] = line.get("quantity", "1")
        data[f"lines-{i}-unit_amount"] = line.get("unit_amount", "")
        data[f"lines-{i}-account"] = str(account.pk) if account else ""
        data[f"lines-{i}-tax_rate"] = ""
    data.update(fields)
    return data


def _choices(company):
    supplier = (
        Supplier.objects.filter(company=company, status="Active", default_currency="USD")
        .order_by("pk")
        .first()
    )
    account = LedgerAccount.objects.filter(
        company=company, is_bank_account=False, account_type="Expense"
    ).first()
    return supplier, account


def _ledger_notes(company):
    return SandboxLedgerRecord.objects.filter(
        company=company.seeded.company, data_type="billCreditNotes", is_deleted=False
    )


def _note_pushes(company) -> int:
    return SandboxPushOperation.objects.filter(
        company=company.seeded.company, data_type="billCreditNotes", kind="Create"
    ).count()


@pytest.mark.django_db(transaction=True)
def test_a_credit_note_made_here_lands_in_the_books_once_and_shows_as_credit(books):
    supplier, account = _choices(books)
    before = _ledger_notes(books).count()
    url = reverse("bills:credit-note-new", args=[supplier.pk])
    data = note_form_data(account=account, number="CN-NEW-1")

    first = books.client.post(url, data)
    again = books.client.post(url, data)  # the same form posted twice (a double click)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == reverse("bills:supplier-detail", args=[supplier.pk])
    note = CreditNote.objects.get(company=books, number="CN-NEW-1")
    assert (note.push_state, note.origin, note.is_in_books) == ("sending", "app", False)
    assert note.total_amount == note.remaining_credit == Decimal("80.00")
    assert LedgerWrite.objects.filter(credit_note=note).count() == 1
    page = books.client.get(reverse("bills:supplier-detail", args=[supplier.pk]))
    assert "Sending to your books" in page.content.decode()

    drain_writes(books)

    assert _ledger_notes(books).count() == before + 1
    assert _note_pushes(books) == 1
    note.refresh_from_db()
    assert note.push_state == "in_books" and note.is_in_books
    ledger = SandboxLedgerRecord.objects.get(
        company=books.seeded.company, data_type="billCreditNotes", record_id=note.codat_id
    )
    assert ledger.data["supplierRef"]["id"] == supplier.codat_supplier_id
    assert Decimal(str(ledger.data["totalAmount"])) == Decimal("80.00")
    # The sync the write asked for mirrors the note from the books onto the same row.
    assert note.modified_date is not None
    assert note in credit_notes_available(books, supplier_id=supplier.pk, currency="USD")
    page = books.client.get(reverse("bills:supplier-detail", args=[supplier.pk])).content.decode()
    assert "CN-NEW-1" in page and "$80.00" in page


@pytest.mark.django_db(transaction=True)
def test_a_lost_response_still_makes_exactly_one_credit_note(books):
    supplier, account = _choices(books)
    before = _ledger_notes(books).count()
    books.client.post(
        reverse("bills:credit-note-new", args=[supplier.pk]),
        note_form_data(account=account, number="CN-LOST"),
    )
    write = LedgerWrite.objects.get(company=books, credit_note__number="CN-LOST")
    sandbox_company = books.seeded.company
    SandboxCompany.objects.filter(pk=sandbox_company.pk).update(
        fault_lost_response_rate=Decimal("1")
    )

    push_advance(push_id=write.push_id)  # applied in the books, but the answer never comes

    write.push.refresh_from_db()
    assert write.push.status == "checking"
    assert _note_pushes(books) == 1  # Codat did get it
    SandboxCompany.objects.filter(pk=sandbox_company.pk).update(
        fault_lost_response_rate=Decimal("0")
    )
    drain_writes(books)
    write.push.refresh_from_db()
    assert write.push.status == "succeeded"
    assert write.push.attempts == 1  # found by the lookup: never sent again
    assert _note_pushes(books) == 1
    assert _ledger_notes(books).count() == before + 1
    note = CreditNote.objects.get(pk=write.credit_note_id)
    assert note.push_state == "in_books" and note.codat_id == write.push.record_id


@pytest.mark.django_db(transaction=True)
def test_the_books_refusing_a_credit_note_shows_why(books):
    supplier, account = _choices(books)
    books.client.post(
        reverse("bills:credit-note-new", args=[supplier.pk]),
        note_form_data(account=account, number="CN-REFUSED"),
    )
    note = CreditNote.objects.get(company=books, number="CN-REFUSED")
    # The account is archived in the books meanwhile: the platform refuses the line.
    SandboxLedgerRecord.objects.filter(
        company=books.seeded.company,
        data_type="chartOfAccounts",
        record_id=account.codat_account_id,
    ).update(is_deleted=True)

    drain_writes(books)

    note.refresh_from_db()
    assert note.push_state == "failed"
    assert "does not exist" in note.push_error_text
    assert note not in credit_notes_available(books, supplier_id=supplier.pk)
    page = books.client.get(reverse("bills:supplier-detail", args=[supplier.pk])).content.decode()
    assert "Failed:" in page
