"""The bills revision: every write to what cached reads of the bills use (the overview's
snapshot) gives the company's bills a new revision, once it has committed, and only theirs."""

import uuid
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from billpay.bills.models import Bill, LedgerWrite
from billpay.bills.selectors import bills_revision
from billpay.bills.services import bill_review, bills_approve, bills_changed
from billpay.bills.services.create import (
    BillInput,
    LineInput,
    bill_create,
    bill_delete,
    bill_update,
)
from billpay.bills.services.sync.vanished import mark_vanished
from billpay.codat.schemas import PushOperation
from billpay.codat.schemas.push import PushChange, PushOperationValidation, RecordRef
from billpay.pushes.services import push_advance
from tests.conftest import sync_books
from tests.factories import (
    BillFactory,
    BillLineFactory,
    ExpenseAccountFactory,
    LedgerWriteFactory,
    SupplierFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]
K = LedgerWrite.Kind


def _revision(company) -> str:
    return bills_revision(company_id=company.pk)


@pytest.fixture
def bumps(company, django_capture_on_commit_callbacks):
    """Run a write and commit it (its on-commit callbacks run); True if the revision moved."""

    def run(write) -> bool:
        before = _revision(company)
        with django_capture_on_commit_callbacks(execute=True):
            write()
        return _revision(company) != before

    return run


@pytest.fixture(autouse=True)
def _no_broker():
    with (
        mock.patch("billpay.pushes.tasks.push_advance_task.delay_on_commit"),
        mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"),
    ):
        yield


# --- the revision itself --------------------------------------------------------------------------


def test_the_revision_holds_until_the_bills_change(company, bumps):
    first = _revision(company)

    assert _revision(company) == first
    assert bumps(lambda: bills_changed(company_id=company.pk))
    assert _revision(company) != first


def test_the_bump_waits_for_the_commit(company, django_capture_on_commit_callbacks):
    before = _revision(company)

    with django_capture_on_commit_callbacks(execute=True):
        bills_changed(company_id=company.pk)
        assert _revision(company) == before  # not yet committed: readers keep the old one

    assert _revision(company) != before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_bumps_nothing(company, user):
    bill = BillFactory(company=company)
    before = _revision(company)

    with pytest.raises(RuntimeError), transaction.atomic():
        bill_review(bill=bill, actor=user, decision=Bill.Review.APPROVED)
        raise RuntimeError("the request failed after the review")

    bill.refresh_from_db()
    assert bill.review_status == Bill.Review.PENDING
    assert _revision(company) == before
    bill_review(bill=bill, actor=user, decision=Bill.Review.APPROVED)  # commits for real
    assert _revision(company) != before


def test_each_company_has_its_own_revision(company, other_company, bumps):
    theirs = _revision(other_company)

    assert bumps(lambda: bills_changed(company_id=company.pk))

    assert _revision(other_company) == theirs


# --- review ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "decision", "reason"),
    [
        ("pending", "approved", ""),
        ("pending", "rejected", "Wrong amount"),
        ("approved", "pending", ""),
    ],
)
def test_a_review_decision_bumps(company, user, bumps, before, decision, reason):
    bill = BillFactory(company=company, review_status=before)

    assert bumps(lambda: bill_review(bill=bill, actor=user, decision=decision, reason=reason))


def test_the_same_decision_twice_bumps_once(company, user, bumps):
    bill = BillFactory(company=company)
    assert bumps(lambda: bill_review(bill=bill, actor=user, decision="approved"))

    assert not bumps(lambda: bill_review(bill=bill, actor=user, decision="approved"))


def test_a_bulk_approval_bumps_and_approving_approved_bills_does_not(company, user, bumps):
    bills = BillFactory.create_batch(3, company=company)

    assert bumps(lambda: bills_approve(company=company, actor=user, bills=bills))
    assert not bumps(lambda: bills_approve(company=company, actor=user, bills=bills))


# --- bills created, changed and deleted here ------------------------------------------------------


def _input(company) -> BillInput:
    account = ExpenseAccountFactory(company=company)
    today = timezone.localdate()
    return BillInput(
        supplier=SupplierFactory(company=company),
        reference="INV-77",
        issue_date=today,
        due_date=today + timedelta(days=30),
        currency="USD",
        lines=[LineInput("Pipes", Decimal("2"), Decimal("40.00"), account)],
    )


def test_a_bill_created_here_bumps(company, user, bumps):
    data = _input(company)

    assert bumps(
        lambda: bill_create(company=company, actor=user, data=data, submission_key=uuid.uuid4())
    )


def test_a_bill_changed_here_bumps(company, user, bumps):
    bill = BillFactory(company=company, origin="app", push_state="failed", codat_bill_id="local:1")

    assert bumps(
        lambda: bill_update(
            bill=bill, actor=user, data=_input(company), submission_key=uuid.uuid4()
        )
    )


def test_a_bill_deleted_here_before_it_reached_the_books_bumps(company, user, bumps):
    bill = BillFactory(company=company, origin="app", push_state="failed", codat_bill_id="local:1")

    assert bumps(lambda: bill_delete(bill=bill, actor=user, submission_key=uuid.uuid4()))


# --- what the books say about a write -------------------------------------------------------------


def _op(record: str) -> PushOperation:
    change = PushChange(type="Created", record_ref=RecordRef(id=record))
    return PushOperation(
        push_operation_key="op-1",
        status="Success",
        changes=(change,),
        validation=PushOperationValidation(errors=()),
    )


@pytest.mark.parametrize(
    ("kind", "method", "codat_bill_id"),
    [
        (K.BILL_CREATE, "create_bill", "local:b1"),
        (K.BILL_UPDATE, "update_bill", "bill-5"),
        (K.BILL_DELETE, "delete_bill", "bill-5"),
    ],
)
def test_a_bill_write_the_books_took_bumps(
    codat, connected, company, bumps, kind, method, codat_bill_id
):
    bill = BillFactory(
        company=company, codat_bill_id=codat_bill_id, origin="app", push_state="sending"
    )
    BillLineFactory(bill=bill)
    write = LedgerWriteFactory(company=company, bill=bill, push__kind=kind)
    getattr(codat, method).return_value = _op(record="bill-5")

    assert bumps(lambda: push_advance(push_id=write.push_id))

    write.push.refresh_from_db()
    assert write.push.status == "succeeded"


# --- the sync -------------------------------------------------------------------------------------


def test_bills_a_full_sync_no_longer_finds_bump(company, bumps):
    BillFactory(company=company, codat_bill_id="gone-1")

    assert bumps(lambda: mark_vanished(Bill, "codat_bill_id", company, set(), None))


def test_a_full_sync_that_finds_every_bill_bumps_nothing(company, bumps):
    BillFactory(company=company, codat_bill_id="here-1")

    assert not bumps(lambda: mark_vanished(Bill, "codat_bill_id", company, {"here-1"}, None))


@pytest.mark.django_db(transaction=True)
def test_a_sync_that_writes_bills_bumps_and_one_with_nothing_new_does_not(linked_company):
    before = _revision(linked_company)

    sync_books(linked_company)  # commits batch by batch: the callbacks run for real
    synced = _revision(linked_company)
    sync_books(linked_company)

    assert synced != before
    assert _revision(linked_company) == synced
