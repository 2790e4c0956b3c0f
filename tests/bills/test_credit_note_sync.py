"""Supplier credit notes mirrored by the sync: against the sandbox over HTTP (incremental,
deleted, a platform without them) and against a fake Codat for values our columns can't hold."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest

from billpay.bills.models import CreditNote, Supplier, SyncRun, SyncState
from billpay.bills.selectors import credit_notes_available
from billpay.bills.services import SyncOutcome, bills_sync
from billpay.bills.tasks import sync_start
from billpay.sandbox import store
from billpay.sandbox.models import SandboxCacheRecord
from tests.bills.test_sync_hardening import ALL_TYPES, FakeCodat
from tests.bills.test_sync_hardening import _run as run_with
from tests.conftest import link_to_sandbox
from tests.factories import CompanyFactory


def _sync(company, **kwargs) -> SyncRun:
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=company, trigger=SyncRun.Trigger.MANUAL, **kwargs)
    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return run


def _cached(company):
    return SandboxCacheRecord.objects.filter(
        company=company.seeded.company, data_type="billCreditNotes"
    )


def _age_cache(company, minutes: int = 60) -> None:
    for record in SandboxCacheRecord.objects.filter(company=company.seeded.company):
        record.modified_date -= timedelta(minutes=minutes)
        record.data["modifiedDate"] = record.modified_date.strftime("%Y-%m-%dT%H:%M:%SZ")
        record.save(update_fields=["modified_date", "data"])


def _change_in_books(company, note_id: str, **changes) -> None:
    books = company.seeded.company
    data = store.ledger_get(books, "billCreditNotes", note_id)
    store.ledger_put(books, "billCreditNotes", note_id, data | changes)
    store.sync_records(books, "billCreditNotes")


@pytest.mark.django_db(transaction=True)
def test_the_sync_mirrors_credit_notes_exactly_and_links_their_suppliers(linked_company):
    run = _sync(linked_company)

    cached = {r.record_id: r.data for r in _cached(linked_company).filter(is_deleted=False)}
    notes = CreditNote.objects.filter(company=linked_company, is_deleted=False)
    assert len(cached) >= 2
    assert {n.codat_id for n in notes} == set(cached)
    assert run.counts["billCreditNotes"]["created"] == len(cached)
    for note in notes:
        data = cached[note.codat_id]
        assert note.remaining_credit == Decimal(str(data["remainingCredit"]))
        assert note.total_amount == Decimal(str(data["totalAmount"]))
        assert note.tax_amount == Decimal(str(data["totalTaxAmount"]))
        assert note.number == data["billCreditNoteNumber"]
        assert note.status == data["status"]
        assert note.supplier == Supplier.objects.get(
            company=linked_company, codat_supplier_id=data["supplierRef"]["id"]
        )
        assert note.raw["lineItems"]
        assert note.source_modified_date is not None
    assert SyncState.objects.get(company=linked_company, data_type="billCreditNotes").watermark


@pytest.mark.django_db(transaction=True)
def test_an_incremental_sync_reads_only_changed_credit_notes(linked_company):
    _sync(linked_company)
    _age_cache(linked_company)
    _sync(linked_company, full=True)  # the watermark now sits an hour back
    note = CreditNote.objects.filter(
        company=linked_company, is_deleted=False, remaining_credit__gt=0
    ).first()

    _change_in_books(linked_company, note.codat_id, remainingCredit=Decimal("0.0100"))
    run = _sync(linked_company)

    assert run.counts["billCreditNotes"]["read"] == 1
    assert run.counts["billCreditNotes"]["updated"] == 1
    note.refresh_from_db()
    assert note.remaining_credit == Decimal("0.0100")


@pytest.mark.django_db(transaction=True)
def test_a_credit_note_deleted_in_the_books_is_marked_deleted(linked_company):
    _sync(linked_company)
    note = CreditNote.objects.filter(company=linked_company, is_deleted=False).first()
    supplier_id = note.supplier_id
    was_available = note in credit_notes_available(linked_company, supplier_id=supplier_id)
    books = linked_company.seeded.company

    store.ledger_delete(books, "billCreditNotes", note.codat_id)
    store.sync_records(books, "billCreditNotes")
    run = _sync(linked_company)

    note.refresh_from_db()
    assert note.is_deleted is True
    assert run.counts["billCreditNotes"]["deleted"] == 1
    assert note not in credit_notes_available(linked_company, supplier_id=supplier_id)
    assert was_available == (note.remaining_credit > 0 and note.status not in ("Void", "Draft"))


@pytest.mark.django_db(transaction=True)
def test_a_platform_without_credit_notes_still_syncs_its_bills(sandbox, transactional_db):
    company = CompanyFactory(name="Sage Co")
    company.seeded = link_to_sandbox(company, platform_key="pdvj", bills=20, seed=2)

    run = _sync(company)

    assert run.counts["billCreditNotes"] == {"not_supported": True}
    assert run.counts["bills"]["created"] > 0
    assert not CreditNote.objects.filter(company=company).exists()
    second = _sync(company)  # and every later sync too
    assert second.counts["billCreditNotes"] == {"not_supported": True}


# --- against a fake Codat: exactly what it answers ----------------------------------------------


def _note(n: int, **fields) -> dict:
    return {
        "id": f"cn-{n}",
        "billCreditNoteNumber": f"CN-{n}",
        "supplierRef": {"id": "s-1", "supplierName": "Acme"},
        "issueDate": "2026-11-01T00:00:00",
        "currency": "USD",
        "status": "Submitted",
        "subTotal": Decimal("50.00"),
        "totalTaxAmount": Decimal("0"),
        "totalDiscount": Decimal("0"),
        "discountPercentage": Decimal("0"),
        "totalAmount": Decimal("50.00"),
        "remainingCredit": Decimal("50.00"),
        "modifiedDate": "2026-11-02T00:00:00Z",
        **fields,
    }


NotesCodat = FakeCodat


@pytest.fixture
def linked(company):
    from tests.factories import AccountingConnectionFactory

    company.codat_company_id = "c0dat-0000"
    company.save(update_fields=["codat_company_id"])
    AccountingConnectionFactory(company=company, platform_name="QuickBooks Online")
    return company


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"remainingCredit": Decimal("1E+20")}, "remaining_credit is too large"),
        ({"remainingCredit": Decimal("0.00001")}, "remaining_credit has more than 4 decimals"),
        ({"remainingCredit": Decimal("-5")}, "remainingCredit is negative"),
        ({"totalAmount": Decimal("NaN")}, "total_amount is not a number"),
        ({"currency": "DOLLARS"}, "currency is longer than 3"),
        ({"currency": "ZZZ"}, "currency is not an ISO 4217 currency"),
        ({"issueDate": "yesterday"}, "issueDate is not a date"),
        ({"billCreditNoteNumber": "N" * 301}, "number is longer than 300"),
        ({"note": "a\x00b"}, "note contains a NUL"),
    ],
)
def test_a_credit_note_our_columns_cant_hold_is_skipped_and_the_rest_synced(linked, fields, reason):
    codat = NotesCodat(records={"billCreditNotes": [_note(1, **fields), _note(2)]})

    outcome, run = run_with(linked, codat)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert list(CreditNote.objects.filter(company=linked).values_list("codat_id", flat=True)) == [
        "cn-2"
    ]
    assert run.counts["billCreditNotes"]["skipped"] == 1
    assert run.skipped == 1
    assert any(reason in text for text in run.skip_reasons), run.skip_reasons


@pytest.mark.django_db
def test_metadata_is_deleted_is_honoured_and_a_note_deleted_before_we_saw_it_is_not_created(linked):
    codat = NotesCodat(
        records={
            "billCreditNotes": [_note(1), _note(2, metadata={"isDeleted": True})],
        }
    )
    run_with(linked, codat)
    assert list(CreditNote.objects.filter(company=linked).values_list("codat_id", flat=True)) == [
        "cn-1"
    ]

    codat.records["billCreditNotes"] = [
        _note(1, metadata={"isDeleted": True}, modifiedDate="2026-11-03T00:00:00Z")
    ]
    _, run = run_with(linked, codat)

    assert CreditNote.objects.get(company=linked, codat_id="cn-1").is_deleted is True
    assert run.counts["billCreditNotes"]["deleted"] == 1


@pytest.mark.django_db
def test_credit_notes_the_platform_does_not_support_are_skipped(linked):
    codat = NotesCodat(
        statuses={**dict.fromkeys(ALL_TYPES, "Complete"), "billCreditNotes": "NotSupported"},
        records={"billCreditNotes": [_note(1)]},
    )

    _, run = run_with(linked, codat)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.counts["billCreditNotes"] == {"not_supported": True}
    assert not CreditNote.objects.filter(company=linked).exists()


@pytest.mark.django_db
def test_a_404_for_credit_notes_on_a_later_sync_is_not_a_failure(linked):
    from django.utils import timezone

    from billpay.codat.errors import CodatNotFoundError

    SyncState.objects.create(company=linked, data_type="billCreditNotes", watermark=timezone.now())
    codat = NotesCodat(raise_on={"billCreditNotes": CodatNotFoundError("Datatype not supported")})

    _, run = run_with(linked, codat)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.counts["billCreditNotes"] == {"not_supported": True}


@pytest.mark.django_db
def test_a_credit_note_read_error_fails_the_sync_with_plain_words(linked):
    codat = NotesCodat(
        statuses={**dict.fromkeys(ALL_TYPES, "Complete"), "billCreditNotes": "FetchError"}
    )

    _, run = run_with(linked, codat)

    assert run.status == SyncRun.Status.FAILED
    assert "credit notes" in run.error
    assert run.error_detail == "Codat dataStatus billCreditNotes: FetchError"
