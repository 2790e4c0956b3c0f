"""The sync against the sandbox over real HTTP: what lands in the mirror, and what does not."""

import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection as db_connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billpay.bills.models import Bill, BillLine, Supplier, SyncRun, SyncState
from billpay.bills.services import SyncOutcome, bills_sync
from billpay.bills.tasks import sync_start
from billpay.codat import CodatClient
from billpay.mapping.models import LedgerAccount
from billpay.sandbox import store
from billpay.sandbox.models import SandboxCacheRecord, SandboxDataset
from tests.conftest import link_to_sandbox
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sync(company, **kwargs) -> SyncRun:
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=company, trigger=SyncRun.Trigger.MANUAL, **kwargs)
    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return run


def _cache(company, data_type):
    return SandboxCacheRecord.objects.filter(company=company.seeded.company, data_type=data_type)


def _age_books(company, minutes: int = 60) -> None:
    """Make every cached record look older than the sync's overlap window."""
    for record in SandboxCacheRecord.objects.filter(company=company.seeded.company):
        record.modified_date -= timedelta(minutes=minutes)
        record.data["modifiedDate"] = record.modified_date.strftime("%Y-%m-%dT%H:%M:%SZ")
        record.save(update_fields=["modified_date", "data"])


def _change_in_books(company, bill_id: str, **changes) -> None:
    sandbox_company = company.seeded.company
    data = store.ledger_get(sandbox_company, "bills", bill_id)
    store.ledger_put(sandbox_company, "bills", bill_id, data | changes)
    store.sync_records(sandbox_company, "bills")


def test_first_sync_mirrors_every_record_of_the_books(linked_company):
    run = _sync(linked_company)

    cached_bills = _cache(linked_company, "bills").filter(is_deleted=False)
    assert (
        Bill.objects.filter(company=linked_company, is_deleted=False).count()
        == cached_bills.count()
    )
    assert (
        Supplier.objects.filter(company=linked_company).count()
        == _cache(linked_company, "suppliers").count()
    )
    assert LedgerAccount.objects.filter(company=linked_company, is_bank_account=True).exists()
    assert run.counts["bills"]["created"] == cached_bills.count()
    assert run.api_calls >= 4


def test_amounts_arrive_exact_per_currency(linked_company):
    _sync(linked_company)

    expected: dict[str, Decimal] = {}
    for record in _cache(linked_company, "bills").filter(is_deleted=False):
        currency = record.data["currency"]
        expected[currency] = expected.get(currency, Decimal(0)) + Decimal(
            str(record.data["amountDue"])
        )
    ours = dict(
        Bill.objects.filter(company=linked_company, is_deleted=False)
        .values("currency")
        .annotate(due=Sum("amount_due"))
        .values_list("currency", "due")
    )
    assert ours == expected


def test_lines_and_allocations_are_mirrored(linked_company):
    _sync(linked_company)

    record = next(r for r in _cache(linked_company, "bills") if r.data.get("paymentAllocations"))
    bill = Bill.objects.get(company=linked_company, codat_bill_id=record.record_id)
    assert bill.lines.count() == len(record.data["lineItems"])
    assert bill.allocations.count() == len(record.data["paymentAllocations"])
    assert bill.search_text.startswith(bill.supplier_name.lower())


def test_a_second_sync_with_nothing_changed_writes_nothing(linked_company):
    _sync(linked_company)

    run = _sync(linked_company)

    assert all(c["created"] == c["updated"] == c["deleted"] == 0 for c in run.counts.values())
    assert run.api_calls <= len(run.counts)  # one page per data type


def test_incremental_sync_fetches_and_writes_only_changed_bills(linked_company):
    _sync(linked_company)
    _age_books(linked_company)
    bill = Bill.objects.filter(company=linked_company, codat_status="Open").first()
    _change_in_books(linked_company, bill.codat_bill_id, note="Changed in the books")

    run = _sync(linked_company)

    bill.refresh_from_db()
    assert bill.note == "Changed in the books"
    assert run.counts["bills"]["read"] == 1
    assert run.counts["bills"]["updated"] == 1


def test_a_sync_never_overwrites_the_review(linked_company):
    _sync(linked_company)
    _age_books(linked_company)
    bill = Bill.objects.filter(company=linked_company, codat_status="Open").first()
    Bill.objects.filter(pk=bill.pk).update(review_status=Bill.Review.APPROVED, review_reason="")
    _change_in_books(linked_company, bill.codat_bill_id, note="Edited")

    _sync(linked_company)

    bill.refresh_from_db()
    assert (bill.note, bill.review_status) == ("Edited", Bill.Review.APPROVED)


def test_a_bill_deleted_in_the_books_is_marked_deleted(linked_company):
    _sync(linked_company)
    _age_books(linked_company)
    bill = Bill.objects.filter(company=linked_company, is_deleted=False).first()
    store.ledger_delete(linked_company.seeded.company, "bills", bill.codat_bill_id)
    store.sync_records(linked_company.seeded.company, "bills")

    run = _sync(linked_company)

    bill.refresh_from_db()
    assert bill.is_deleted
    assert run.counts["bills"]["deleted"] == 1


def test_a_full_sync_marks_bills_that_vanished_without_a_trace(linked_company):
    _sync(linked_company)
    bill = Bill.objects.filter(company=linked_company, is_deleted=False).first()
    _cache(linked_company, "bills").filter(record_id=bill.codat_bill_id).delete()

    _sync(linked_company, full=True)

    bill.refresh_from_db()
    assert bill.is_deleted


def test_a_webhook_bound_rereads_records_modified_since_codats_modified_from_date(linked_company):
    _sync(linked_company)
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(
            company=linked_company,
            trigger=SyncRun.Trigger.WEBHOOK,
            data_types=["bills"],
            modified_from=timezone.now() - timedelta(hours=2),
        )

    bills_sync(run_id=run.pk)

    run.refresh_from_db()
    assert run.counts["bills"]["read"] == _cache(linked_company, "bills").count()
    assert run.counts["bills"]["updated"] == 0  # nothing changed: read again, written never


def test_the_watermark_advances_to_the_newest_record(linked_company):
    _sync(linked_company)

    state = SyncState.objects.get(company=linked_company, data_type="bills")
    newest = _cache(linked_company, "bills").order_by("-modified_date").first().modified_date
    assert state.watermark == newest


def test_first_sync_waits_while_codat_is_still_reading(linked_company):
    SandboxDataset.objects.filter(company=linked_company.seeded.company).update(
        status="Fetching", completed=None, due=timezone.now() + timedelta(hours=1)
    )
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.LINK)

    assert bills_sync(run_id=run.pk) == SyncOutcome.WAITING
    run.refresh_from_db()
    assert run.status == SyncRun.Status.WAITING
    assert not Bill.objects.filter(company=linked_company).exists()


def test_sync_start_while_one_is_active_returns_the_same_run(linked_company):
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit") as enqueue:
        first = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
        second = sync_start(company=linked_company, trigger=SyncRun.Trigger.WEBHOOK)

    assert first.pk == second.pk
    assert enqueue.call_count == 1


def test_running_the_task_twice_does_the_work_once(linked_company):
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)

    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE
    assert bills_sync(run_id=run.pk) == SyncOutcome.SKIPPED


def test_two_concurrent_syncs_of_one_company_do_not_interleave(linked_company):
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
    outcomes, barrier = [], threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            outcomes.append(bills_sync(run_id=run.pk))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == [SyncOutcome.DONE, SyncOutcome.SKIPPED]
    assert BillLine.objects.filter(company=linked_company).count() == sum(
        len(r.data["lineItems"]) for r in _cache(linked_company, "bills").filter(is_deleted=False)
    )


def test_a_transient_error_requeues_the_run_and_propagates(linked_company):
    from billpay.codat.errors import CodatTransientError

    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
    with (
        mock.patch.object(CodatClient, "list_suppliers", side_effect=CodatTransientError("503")),
        pytest.raises(CodatTransientError),
    ):
        bills_sync(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == SyncRun.Status.QUEUED


def test_a_permanent_error_fails_the_run_with_a_readable_reason(linked_company):
    from billpay.codat.errors import CodatAuthError

    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
    with mock.patch.object(
        CodatClient, "list_suppliers", side_effect=CodatAuthError("401", status=401)
    ):
        assert bills_sync(run_id=run.pk) == SyncOutcome.DONE

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "re-author" in run.error.lower() or "reconnect" in run.error.lower()


def _queries_to_sync(company) -> int:
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=company, trigger=SyncRun.Trigger.MANUAL)
    with CaptureQueriesContext(db_connection) as queries:
        bills_sync(run_id=run.pk)
    return len(queries)


def test_query_count_per_page_is_a_small_constant(sandbox, settings):
    settings.CODAT_SYNC_PAGE_SIZE = 1000
    small, large = CompanyFactory(), CompanyFactory()
    link_to_sandbox(small, bills=1000, seed=1)
    seeded = link_to_sandbox(large, bills=3000, seed=1)

    one_page, three_pages = _queries_to_sync(small), _queries_to_sync(large)

    # Per page of 1,000 bills: existing keys; the upsert (staging table, COPY, INSERT … ON
    # CONFLICT); lines and allocations deleted and copied; progress.
    assert (three_pages - one_page) / 2 <= 12
    # Five data types (credit notes the fifth: about 14 queries), and the approval rules read
    # once at the end (none here: no request to start for the new bills).
    assert one_page <= 86
    in_books = SandboxCacheRecord.objects.filter(
        company=seeded.company, data_type="bills", is_deleted=False
    )
    assert Bill.objects.filter(company=large).count() == in_books.count()


def test_a_run_whose_task_was_lost_goes_stale_however_often_syncs_are_requested(
    linked_company, settings
):
    # A worker SIGKILLed during the task's retry countdown loses the message for an hour:
    # beat's requests merge into the queued run, and that must not keep it looking alive.
    settings.SYNC_STALE_SECONDS = 60
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit") as enqueue:
        lost = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
        quiet = timezone.now() - timedelta(seconds=40)
        SyncRun.objects.filter(pk=lost.pk).update(updated_at=quiet)
        assert sync_start(company=linked_company, trigger=SyncRun.Trigger.SCHEDULE) == lost
        assert SyncRun.objects.get(pk=lost.pk).updated_at == quiet

        SyncRun.objects.filter(pk=lost.pk).update(updated_at=quiet - timedelta(seconds=30))
        fresh = sync_start(company=linked_company, trigger=SyncRun.Trigger.SCHEDULE)

    lost.refresh_from_db()
    assert lost.status == SyncRun.Status.FAILED
    assert fresh.pk != lost.pk and fresh.status == SyncRun.Status.QUEUED
    assert enqueue.call_count == 2


def test_a_run_expired_while_still_going_stops_instead_of_racing_its_replacement(
    linked_company,
):
    from dataclasses import replace

    from billpay.bills.services.sync import records as sync_module

    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=linked_company, trigger=SyncRun.Trigger.MANUAL)
    spec = sync_module.TYPES["suppliers"]

    def write_then_expire(*args):
        spec.write(*args)
        # Taken for dead meanwhile (as _expire_stale_runs does); its replacement may start.
        SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.FAILED)

    with mock.patch.dict(sync_module.TYPES, {"suppliers": replace(spec, write=write_then_expire)}):
        assert bills_sync(run_id=run.pk) == SyncOutcome.SKIPPED

    run.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert Supplier.objects.filter(company=linked_company).exists()
    assert not Bill.objects.filter(company=linked_company).exists()
