"""Issue 16, point 2: deleting any bill from the books, against the sandbox ledger.

Where the platform allows it (Xero voids a posted bill), with a confirmation page for owners and
admins, audited, exactly once (double click, two people, a lost answer); the bill leaves the
inbox once the books confirm.
"""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billpay.bills.models import Bill, LedgerWrite
from billpay.bills.services.create import bill_delete_in_books, bill_delete_plan
from billpay.core.errors import DomainError, NotAllowed
from billpay.core.models import AuditEvent
from billpay.onboarding.models import AccountingConnection
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from billpay.sandbox import store
from billpay.sandbox.models import SandboxPushOperation
from tests.conftest import _logged_in, link_to_sandbox, sync_books
from tests.factories import CompanyFactory, MembershipFactory, drain_writes

pytestmark = pytest.mark.django_db(transaction=True)


def _owner(company):
    return company.memberships.get(role="owner").user


def _open_bill(company) -> Bill:
    return (
        Bill.objects.filter(
            company=company, codat_status="Open", is_deleted=False, amount_due__gt=0
        )
        .order_by("pk")
        .first()
    )


def _books(platform_key: str, name: str):
    company = CompanyFactory(name=f"{name} Co")
    MembershipFactory(company=company, user__email=f"owner-{platform_key}@example.com")
    company.seeded = link_to_sandbox(company, platform_key=platform_key)
    AccountingConnection.objects.filter(company=company).update(platform_name=name)
    sync_books(company)
    return company


@pytest.fixture
def qbo(linked_company, enqueued):
    sync_books(linked_company)
    return linked_company


@pytest.fixture
def xero(sandbox, transactional_db, enqueued):
    return _books("gbol", "Xero")


def _reread_bills(company) -> None:
    from billpay.codat import get_codat_client

    with get_codat_client() as client:
        client.refresh_data_type(company_id=company.codat_company_id, data_type="bills")
    sync_books(company)


def _deletes(company) -> int:
    return SandboxPushOperation.objects.filter(
        company=company.seeded.company, data_type="bills", kind="Delete"
    ).count()


def test_a_deleted_bill_leaves_the_books_and_the_inbox(qbo):
    bill = _open_bill(qbo)
    owner = _owner(qbo)

    bill_delete_in_books(bill=bill, actor=owner, submission_key=uuid.uuid4())
    assert Bill.objects.get(pk=bill.pk).push_state == "sending"
    drain_writes(qbo)

    bill.refresh_from_db()
    assert bill.is_deleted and bill.push_state == "in_books"
    assert store.ledger_get(qbo.seeded.company, "bills", bill.codat_bill_id) is None
    inbox = _logged_in(owner, qbo).get(reverse("bills:inbox"), {"view": "all"})
    assert f"/bills/{bill.pk}/" not in inbox.content.decode()
    actions = set(
        AuditEvent.objects.filter(ref=f"bill:{bill.pk}").values_list("action", "actor_id")
    )
    assert ("bill.delete_requested", owner.pk) in actions
    assert ("bills.write.delete", None) in actions
    assert _deletes(qbo) == 1


def test_a_lost_answer_is_looked_up_and_the_bill_is_deleted_once(qbo, settings):
    bill = _open_bill(qbo)
    bill_delete_in_books(bill=bill, actor=_owner(qbo), submission_key=uuid.uuid4())
    push = LedgerWrite.objects.get(bill=bill).push
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=push.pk)
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    assert Push.objects.get(pk=push.pk).status == Push.Status.CHECKING

    drain_writes(qbo)

    push.refresh_from_db()
    assert push.status == Push.Status.SUCCEEDED and push.attempts == 1
    assert Bill.objects.get(pk=bill.pk).is_deleted
    assert _deletes(qbo) == 1


def test_a_double_click_and_a_second_person_make_one_delete(qbo):
    bill = _open_bill(qbo)
    admin = MembershipFactory(company=qbo, role="admin").user
    key = uuid.uuid4()

    for actor, submission_key in ((_owner(qbo), key), (_owner(qbo), key), (admin, uuid.uuid4())):
        bill_delete_in_books(bill=bill, actor=actor, submission_key=submission_key)
    drain_writes(qbo)

    assert LedgerWrite.objects.filter(bill=bill, push__kind="bill.delete").count() == 1
    assert AuditEvent.objects.filter(action="bill.delete_requested").count() == 1
    assert _deletes(qbo) == 1


def test_xero_voids_a_posted_bill_which_leaves_nothing_to_pay(xero):
    bill = _open_bill(xero)
    plan = bill_delete_plan(bill=bill)
    assert plan.voids and not plan.refusal

    bill_delete_in_books(bill=bill, actor=_owner(xero), submission_key=uuid.uuid4())
    drain_writes(xero)

    bill.refresh_from_db()
    assert (bill.codat_status, bill.amount_due, bill.is_deleted) == ("Void", Decimal("0"), False)
    ledger = store.ledger_get(xero.seeded.company, "bills", bill.codat_bill_id)
    assert ledger["status"] == "Void"


def test_xero_refuses_a_bill_with_payments_up_front_and_when_the_mirror_was_stale(xero):
    bill = _open_bill(xero)
    # Paid in part in the books after our last read: the mirror does not know yet.
    ledger = store.ledger_get(xero.seeded.company, "bills", bill.codat_bill_id)
    store.ledger_put(
        xero.seeded.company,
        "bills",
        bill.codat_bill_id,
        {
            **ledger,
            "status": "PartiallyPaid",
            "paymentAllocations": [
                {"payment": {"id": "p-1"}, "allocation": {"totalAmount": Decimal("1.00")}}
            ],
        },
    )

    bill_delete_in_books(bill=bill, actor=_owner(xero), submission_key=uuid.uuid4())
    drain_writes(xero, rounds=3)

    bill.refresh_from_db()
    assert bill.push_state == "failed" and not bill.is_deleted
    assert "delete its bill payments first" in bill.push_error_text
    assert "Xero refused it" in bill.push_error_text
    _reread_bills(xero)  # now the mirror shows the payment: refused before anything is sent
    bill.refresh_from_db()
    with pytest.raises(DomainError, match="Delete the payments of this bill first"):
        bill_delete_in_books(bill=bill, actor=_owner(xero), submission_key=uuid.uuid4())


def test_quickbooks_deletes_a_bill_with_payments_and_says_they_stay_on_account(qbo, settings):
    settings.PUSH_WEBHOOK_GRACE_SECONDS = 0
    from billpay.mapping.models import AccountMapping, LedgerAccount
    from tests.payments.conftest import pay

    account = LedgerAccount.objects.get(
        company=qbo, is_bank_account=True, currency="USD", account_type="Asset", status="Active"
    )
    AccountMapping.objects.create(
        company=qbo, method="bank_transfer", currency="USD", account=account
    )
    bill = _open_bill(qbo)
    payment = pay(qbo, [bill], {bill.pk: bill.amount_due / 2})
    bill.refresh_from_db()
    assert bill_delete_plan(bill=bill).has_payments

    page = _logged_in(_owner(qbo), qbo).get(reverse("bills:bill-delete-in-books", args=[bill.pk]))
    assert "payments on account" in page.content.decode()
    bill_delete_in_books(bill=bill, actor=_owner(qbo), submission_key=uuid.uuid4())
    drain_writes(qbo)

    assert Bill.objects.get(pk=bill.pk).is_deleted
    kept = store.ledger_get(qbo.seeded.company, "billPayments", payment.codat_bill_payment_id)
    assert [link["type"] for link in kept["lines"][0]["links"]] == ["PaymentOnAccount"]


def test_a_platform_without_bill_deletes_is_refused_and_nothing_is_sent(qbo):
    AccountingConnection.objects.filter(company=qbo).update(
        platform_key="rwuv", platform_name="Zoho Books"
    )
    bill = _open_bill(qbo)

    with pytest.raises(DomainError, match="Zoho Books does not let BillPay delete bills"):
        bill_delete_in_books(bill=bill, actor=_owner(qbo), submission_key=uuid.uuid4())
    assert not LedgerWrite.objects.filter(bill=bill).exists()


def test_an_accountant_cannot_delete_a_bill_in_the_books(qbo):
    accountant = MembershipFactory(company=qbo, role="accountant").user
    with pytest.raises(NotAllowed):
        bill_delete_in_books(bill=_open_bill(qbo), actor=accountant, submission_key=uuid.uuid4())


# --- the pages ------------------------------------------------------------------------------------


def test_the_bill_page_offers_the_delete_and_the_confirmation_says_what_happens(qbo):
    bill = _open_bill(qbo)
    client = _logged_in(_owner(qbo), qbo)

    detail = client.get(reverse("bills:bill-detail", args=[bill.pk])).content.decode()
    assert "Delete this bill in the books" in detail
    page = client.get(reverse("bills:bill-delete-in-books", args=[bill.pk])).content.decode()
    assert "Delete this bill from QuickBooks Online?" in page
    assert bill.reference in page and "No money moves" in page
    assert "leaves BillPay" in page

    response = client.post(
        reverse("bills:bill-delete-in-books", args=[bill.pk]),
        {"submission_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("bills:bill-detail", args=[bill.pk])
    drain_writes(qbo)
    gone = client.get(reverse("bills:bill-push-status", args=[bill.pk]))
    assert gone.status_code == 302 and gone["Location"] == reverse("bills:inbox")


def test_the_delete_is_hidden_from_an_accountant_and_another_company_gets_404(qbo):
    bill = _open_bill(qbo)
    accountant = MembershipFactory(company=qbo, role="accountant").user
    client = _logged_in(accountant, qbo)
    detail = client.get(reverse("bills:bill-detail", args=[bill.pk])).content.decode()
    assert "Delete this bill in the books" not in detail
    assert client.get(reverse("bills:bill-delete-in-books", args=[bill.pk])).status_code == 403

    stranger = CompanyFactory(name="Stranger Ltd")
    their_owner = MembershipFactory(company=stranger, user__email="eve@example.com").user
    theirs = _logged_in(their_owner, stranger)
    url = reverse("bills:bill-delete-in-books", args=[bill.pk])
    assert theirs.get(url).status_code == 404
    assert theirs.post(url, {"submission_key": str(uuid.uuid4())}).status_code == 404
    assert not LedgerWrite.objects.filter(bill=bill).exists()


def test_ten_people_deleting_a_bill_at_once_send_one_delete(qbo):
    from tests.payments.test_concurrency import run_in_threads

    bill = _open_bill(qbo)

    _results, errors = run_in_threads(
        10,
        lambda i: bill_delete_in_books(bill=bill, actor=_owner(qbo), submission_key=uuid.uuid4()),
    )
    drain_writes(qbo)

    assert errors == []
    assert LedgerWrite.objects.filter(bill=bill, push__kind="bill.delete").count() == 1
    assert Bill.objects.get(pk=bill.pk).is_deleted
    assert _deletes(qbo) == 1
