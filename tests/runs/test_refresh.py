"""A pay run asks Codat for one bills refresh, whatever else reads the bills meanwhile (issue 13).

Against the sandbox over real HTTP: the refresh is a dataset in Codat's (the sandbox's) books.
"""

import threading
from unittest import mock

import pytest
from django.db import connection

from billpay.bills.models import SyncRun
from billpay.bills.services import bills_sync, sync_run_queue
from billpay.bills.services.sync import runs as sync_runs
from billpay.payments.models import Payment
from billpay.pushes.services import push_advance
from billpay.runs.models import PayRun
from billpay.runs.services import run_verify
from billpay.runs.services import verify as verify_module
from billpay.sandbox.models import SandboxDataset
from tests.conftest import sync_books
from tests.runs.conftest import bills_of_suppliers, confirm, create, drive

pytestmark = pytest.mark.django_db(transaction=True)
P = Payment.Status


def refreshes(company) -> int:
    """The bills refreshes the app asked Codat for (the first read is not one)."""
    return SandboxDataset.objects.filter(
        company=company.seeded.company, data_type="bills", initial=False
    ).count()


def settled(company) -> PayRun:
    """A confirmed run of three groups whose payments were all recorded in the books."""
    run = confirm(company, create(company, bills_of_suppliers(company)))
    for _ in range(5):
        for payment in Payment.objects.filter(run_group__run=run, status=P.SENDING):
            push_advance(push_id=payment.push_id)
    assert set(Payment.objects.filter(run_group__run=run).values_list("status", flat=True)) == {
        P.PENDING
    }
    run.refresh_from_db()
    return run


def test_a_sync_still_writing_when_verification_reads_does_not_make_a_second_refresh(
    books, enqueued
):
    """The read.completed webhook's sync is running (claimed by its worker, not yet written)
    when the run's verification reads the mirror: the run waits for it, not for a new refresh."""
    run = settled(books)
    run_verify(run_id=run.pk)  # asks for the one refresh
    assert refreshes(books) == 1
    webhook_sync, _ = sync_run_queue(
        company=books, trigger=SyncRun.Trigger.WEBHOOK, data_types=["bills"]
    )
    verify = ("run_verify_task", {"run_id": run.pk})
    before = enqueued.count(verify)
    writing, go_on = threading.Event(), threading.Event()
    real = sync_runs.sync_data_type

    def slow(*args, **kwargs):
        if threading.current_thread().name == "webhook-sync":
            writing.set()
            assert go_on.wait(30)
        return real(*args, **kwargs)

    def worker():
        try:
            bills_sync(run_id=webhook_sync.pk)
        finally:
            connection.close()

    with mock.patch.object(sync_runs, "sync_data_type", slow):
        thread = threading.Thread(target=worker, name="webhook-sync")
        thread.start()
        try:
            assert writing.wait(30)
            run_verify(run_id=run.pk)  # reads while that sync is still writing
        finally:
            go_on.set()
            thread.join(30)

    run.refresh_from_db()
    assert run.status == PayRun.Status.SENDING
    assert run.refresh_requested_at is not None
    # That sync's end started the verification at once (the hook), and only that did.
    assert enqueued.count(verify) == before + 1
    run = drive(run)
    assert run.status == PayRun.Status.DONE
    assert set(Payment.objects.filter(run_group__run=run).values_list("status", flat=True)) == {
        P.VERIFIED
    }
    assert refreshes(books) == 1


def test_the_end_of_the_sync_after_the_refresh_verifies_at_once_and_verifications_sync_quietly(
    books, enqueued
):
    run = settled(books)
    verify = ("run_verify_task", {"run_id": run.pk})
    sync_books(books)  # a sync before the run asked for its refresh: nothing to verify yet
    assert enqueued.count(verify) == 1  # the last payment's settling only
    run_verify(run_id=run.pk)

    sync_books(books)  # the read.completed webhook's sync
    assert enqueued.count(verify) == 2

    assert run_verify(run_id=run.pk) is None  # its own sync of the bills tells no one
    run.refresh_from_db()
    assert run.status == PayRun.Status.DONE
    assert enqueued.count(verify) == 2
    assert refreshes(books) == 1


def test_a_verification_while_another_asks_for_the_refresh_asks_for_none(books):
    run = settled(books)
    asking, go_on = threading.Event(), threading.Event()
    real = verify_module.bills_refresh_request

    def slow(**kwargs):
        asking.set()
        assert go_on.wait(30)
        return real(**kwargs)

    with mock.patch.object(verify_module, "bills_refresh_request", slow):
        thread = threading.Thread(target=lambda: (run_verify(run_id=run.pk), connection.close()))
        thread.start()
        try:
            assert asking.wait(30)
            assert run_verify(run_id=run.pk) is None  # the other is at work: nothing asked
        finally:
            go_on.set()
            thread.join(30)

    assert refreshes(books) == 1
    run = drive(run)
    assert run.status == PayRun.Status.DONE
    assert refreshes(books) == 1
