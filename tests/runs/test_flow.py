"""A pay run against the sandbox over real HTTP: what lands in the books, exactly once."""

from decimal import Decimal

import pytest

from billpay.mapping.models import AccountMapping, LedgerAccount
from billpay.payments.models import Payment
from billpay.runs.errors import RunInvalid
from billpay.runs.models import PayRun
from billpay.runs.services import run_confirm, run_retry_group
from billpay.sandbox import store
from billpay.sandbox.models import SandboxDataset, SandboxPushOperation
from tests.conftest import link_to_sandbox, sync_books
from tests.factories import CompanyFactory, MembershipFactory
from tests.payments.conftest import owner
from tests.payments.test_concurrency import run_in_threads
from tests.payments.test_writeback import ledger_bill, ledger_payments
from tests.runs.conftest import bills_of_suppliers, confirm, create, drive

pytestmark = pytest.mark.django_db(transaction=True)
P = Payment.Status


def test_six_bills_of_three_suppliers_are_three_bill_payments_verified_with_one_refresh(
    books, enqueued
):
    bills = bills_of_suppliers(books)
    run = create(books, bills)

    run = drive(confirm(books, run))

    # The last of the three payments to be recorded started the run's verification, once; no
    # payment started a verification (or a bills refresh) of its own.
    started = [(task, kwargs) for task, kwargs in enqueued if "verify" in task]
    assert started == [("run_verify_task", {"run_id": run.pk})]

    assert run.status == PayRun.Status.DONE
    payments = Payment.objects.filter(run_group__run=run)
    assert sorted(payments.values_list("status", flat=True)) == [P.VERIFIED] * 3
    for payment in payments:
        [record] = ledger_payments(books, payment.reference)
        assert len(record["lines"]) == 2
        assert record["supplierRef"]["id"] == payment.codat_supplier_id
    for bill in bills:
        assert ledger_bill(books, bill)["amountDue"] == 0
    pushes = SandboxPushOperation.objects.filter(company=books.seeded.company)
    assert pushes.filter(data_type="billPayments").count() == 3
    refreshes = SandboxDataset.objects.filter(
        company=books.seeded.company, data_type="bills", initial=False
    )
    assert refreshes.count() == 1


def test_one_group_fails_while_the_others_are_verified_then_it_is_retried_once(books):
    bills = bills_of_suppliers(books)
    failing = bills[0]
    # The books change under us: the bill is almost paid elsewhere before our push lands.
    data = ledger_bill(books, failing)
    store.ledger_put(
        books.seeded.company,
        "bills",
        failing.codat_bill_id,
        data | {"amountDue": Decimal("1.00")},
    )
    run = create(books, bills)

    run = drive(confirm(books, run))

    assert run.status == PayRun.Status.ATTENTION
    group = run.groups.get(codat_supplier_id=failing.codat_supplier_id)
    assert group.payment.status == P.FAILED
    others = Payment.objects.filter(run_group__run=run).exclude(pk=group.payment_id)
    assert sorted(others.values_list("status", flat=True)) == [P.VERIFIED] * 2
    assert ledger_payments(books, group.payment.reference) == []

    # The bill is back as it was; the owner retries that one group.
    store.ledger_put(books.seeded.company, "bills", failing.codat_bill_id, data)
    run_retry_group(company=books, actor=owner(books), run_id=run.pk, group_id=group.pk)
    with pytest.raises(RunInvalid, match="has not failed"):
        run_retry_group(company=books, actor=owner(books), run_id=run.pk, group_id=group.pk)
    run = drive(run)

    assert run.status == PayRun.Status.DONE
    group.payment.refresh_from_db()
    assert (group.payment.status, group.payment.attempt) == (P.VERIFIED, 2)
    assert len(ledger_payments(books, group.payment.reference)) == 1
    pushes = SandboxPushOperation.objects.filter(
        company=books.seeded.company, data_type="billPayments"
    )
    assert pushes.count() == 4  # three, and the one retry


def test_two_owners_confirming_the_same_run_at_once_make_one_payment_per_group(books):
    run = create(books, bills_of_suppliers(books))
    token = run.form_token
    people = [owner(books), MembershipFactory(company=books, user__email="olivia@example.com").user]

    results, errors = run_in_threads(
        2,
        lambda i: run_confirm(company=books, actor=people[i], run_id=run.pk, form_token=token),
    )

    assert errors == []
    assert {r.status for r in results} == {PayRun.Status.SENDING}
    run.refresh_from_db()
    assert run.confirmed_by in people
    assert Payment.objects.filter(run_group__run=run).count() == 3
    assert Payment.objects.filter(company=books).count() == 3
    run = drive(run)
    assert run.status == PayRun.Status.DONE
    assert (
        SandboxPushOperation.objects.filter(
            company=books.seeded.company, data_type="billPayments"
        ).count()
        == 3
    )


@pytest.fixture
def xero_books(sandbox, transactional_db, enqueued):
    """A GBP company on Xero (sandbox profile gbol), mirrored, with a GBP account mapped."""
    company = CompanyFactory(name="Delta Joinery", base_currency="GBP", country="GB")
    MembershipFactory(company=company, user__email="alice@example.com")
    company.seeded = link_to_sandbox(company, platform_key="gbol", bills=60)
    sync_books(company)
    account = LedgerAccount.objects.filter(
        company=company, is_bank_account=True, currency="GBP", account_type="Asset"
    ).first()
    AccountMapping.objects.create(
        company=company, method="bank_transfer", currency="GBP", account=account
    )
    return company


def test_on_xero_a_batch_pays_several_suppliers_with_one_bill_payment_without_supplier(
    xero_books,
):
    bills = bills_of_suppliers(xero_books, suppliers=3, per_supplier=1, currency="GBP")
    run = create(xero_books, bills, batch=True)
    [group] = run.groups.all()
    assert group.codat_supplier_id == "" and group.supplier_name == "3 suppliers"

    run = drive(confirm(xero_books, run))

    assert run.status == PayRun.Status.DONE
    [payment] = Payment.objects.filter(run_group__run=run)
    [record] = ledger_payments(xero_books, payment.reference)
    assert "supplierRef" not in record
    assert len(record["lines"]) == 3
    for bill in bills:
        assert ledger_bill(xero_books, bill)["amountDue"] == 0


def test_a_batch_is_not_offered_outside_xero(books):
    with pytest.raises(RunInvalid, match="Only Xero"):
        create(books, bills_of_suppliers(books), batch=True)


def test_a_payment_deleted_from_the_books_puts_its_done_run_back_to_needing_attention(books):
    import uuid

    from billpay.core.models import AuditEvent
    from billpay.payments.services import payment_delete_in_books
    from tests.payments.test_deletes import _drive_delete

    run = drive(confirm(books, create(books, bills_of_suppliers(books, suppliers=2))))
    assert run.status == PayRun.Status.DONE
    first, second = Payment.objects.filter(run_group__run=run).order_by("pk")

    payment_delete_in_books(
        company=books, actor=owner(books), payment_id=first.pk, submission_key=uuid.uuid4()
    )
    assert _drive_delete(first).status == P.DELETED

    run.refresh_from_db()
    assert run.status == PayRun.Status.ATTENTION
    assert Payment.objects.get(pk=second.pk).status == P.VERIFIED
    event = AuditEvent.objects.get(ref=f"run:{run.pk}", action="run.attention")
    assert event.actor_id is None and event.data == {"payment": first.reference}
