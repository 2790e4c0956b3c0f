"""Issue 16, point 2: deleting a recorded payment from the books, against the sandbox ledger.

Exactly once (double click, two people, a lost answer), refused where the platform does not
allow it or the payment is not in the books, audited, and the bill's amount due back after the
refresh.
"""

import uuid

import pytest

from billpay.bills.models import Bill
from billpay.core.errors import DomainError, NotAllowed
from billpay.core.models import AuditEvent
from billpay.onboarding.models import AccountingConnection
from billpay.payments.models import Payment
from billpay.payments.services import payment_delete_in_books, payment_delete_refusal
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from billpay.sandbox import store
from billpay.sandbox.models import SandboxPushOperation
from tests.conftest import sync_books
from tests.factories import MembershipFactory
from tests.payments.conftest import open_bills, owner, pay, prepare

pytestmark = pytest.mark.django_db(transaction=True)
S = Payment.Status


def _ledger_payment(company, payment):
    return store.ledger_get(company.seeded.company, "billPayments", payment.codat_bill_payment_id)


def _drive_delete(payment: Payment, *, steps: int = 12) -> Payment:
    """Run the deletion's push the way its task would, until it settles."""
    for _ in range(steps):
        push = Push.objects.get(pk=Payment.objects.get(pk=payment.pk).delete_push_id)
        if push.is_final:
            break
        push_advance(push_id=push.pk)
    return Payment.objects.select_related("delete_push", "push").get(pk=payment.pk)


def _sandbox_deletes(company) -> int:
    return SandboxPushOperation.objects.filter(
        company=company.seeded.company, data_type="billPayments", kind="Delete"
    ).count()


@pytest.fixture
def verified(books):
    [bill] = open_bills(books)
    payment = pay(books, [bill])
    assert payment.status == S.VERIFIED
    return payment


def test_a_deleted_payment_leaves_the_books_and_its_bill_is_due_again_after_the_refresh(
    books, verified, enqueued
):
    bill = verified.allocations.get().bill
    due_before = verified.allocations.get().amount_due_before
    assert Bill.objects.get(pk=bill.pk).amount_due == due_before - verified.total_amount

    payment_delete_in_books(
        company=books, actor=owner(books), payment_id=verified.pk, submission_key=uuid.uuid4()
    )
    payment = _drive_delete(verified)

    assert payment.status == S.DELETED and payment.deleted_at is not None
    assert payment.delete_push.status == Push.Status.SUCCEEDED
    assert _ledger_payment(books, payment) is None
    ledger_bill = store.ledger_get(books.seeded.company, "bills", bill.codat_bill_id)
    assert ledger_bill["amountDue"] == due_before
    assert "bills_sync_task" in [name for name, _kwargs in enqueued]
    sync_books(books)  # the sync the success asked for, after Codat's re-read
    assert Bill.objects.get(pk=bill.pk).amount_due == due_before
    actions = list(
        AuditEvent.objects.filter(ref=f"payment:{payment.pk}")
        .order_by("pk")
        .values_list("action", "actor_id")
    )
    assert ("payment.delete_requested", owner(books).pk) in actions
    assert ("payment.deleted", None) in actions
    assert _sandbox_deletes(books) == 1


def test_a_lost_answer_is_looked_up_and_the_payment_is_deleted_once(books, verified, settings):
    payment_delete_in_books(
        company=books, actor=owner(books), payment_id=verified.pk, submission_key=uuid.uuid4()
    )
    payment = Payment.objects.get(pk=verified.pk)
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=payment.delete_push_id)  # applied in the books, answered 502
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    assert Push.objects.get(pk=payment.delete_push_id).status == Push.Status.CHECKING

    payment = _drive_delete(payment)

    assert payment.status == S.DELETED
    assert payment.delete_push.attempts == 1  # found gone from the books: never sent again
    assert _sandbox_deletes(books) == 1
    assert _ledger_payment(books, payment) is None


def test_a_double_click_and_a_second_person_make_one_deletion(books, verified):
    alice = owner(books)
    bob = MembershipFactory(company=books, role="admin").user
    key = uuid.uuid4()

    for actor, submission_key in ((alice, key), (alice, key), (bob, uuid.uuid4())):
        payment_delete_in_books(
            company=books, actor=actor, payment_id=verified.pk, submission_key=submission_key
        )
    payment = _drive_delete(verified)

    assert Push.objects.filter(company=books, kind="payment.delete").count() == 1
    assert payment.status == S.DELETED
    assert _sandbox_deletes(books) == 1
    requested = AuditEvent.objects.filter(action="payment.delete_requested")
    assert requested.count() == 1
    with pytest.raises(DomainError, match="already deleted"):
        payment_delete_in_books(
            company=books, actor=bob, payment_id=verified.pk, submission_key=uuid.uuid4()
        )


def test_the_books_refusing_keeps_the_payment_verified_and_says_why(books, verified):
    # Someone deleted it in the books meanwhile: Codat's push fails on the missing record.
    store.ledger_delete(books.seeded.company, "billPayments", verified.codat_bill_payment_id)

    payment_delete_in_books(
        company=books, actor=owner(books), payment_id=verified.pk, submission_key=uuid.uuid4()
    )
    payment = _drive_delete(verified)

    assert payment.status == S.VERIFIED
    assert payment.delete_push.status == Push.Status.FAILED
    assert "did not delete this payment" in payment.delete_failed_text
    assert AuditEvent.objects.filter(action="payment.delete_failed").exists()
    assert payment_delete_refusal(payment=payment) == ""  # it may be tried again


def test_only_a_verified_payment_on_a_platform_that_allows_it_can_be_deleted(books, verified):
    paid = verified.allocations.get().bill_id
    other = next(b for b in open_bills(books, count=2) if b.pk != paid)
    draft = prepare(books, owner(books), [other])
    with pytest.raises(DomainError, match="Only a payment your books show"):
        payment_delete_in_books(
            company=books, actor=owner(books), payment_id=draft.pk, submission_key=uuid.uuid4()
        )
    AccountingConnection.objects.filter(company=books).update(
        platform_key="fbrh", platform_name="FreeAgent"
    )
    with pytest.raises(DomainError, match="FreeAgent does not let BillPay delete payments"):
        payment_delete_in_books(
            company=books, actor=owner(books), payment_id=verified.pk, submission_key=uuid.uuid4()
        )
    assert not Push.objects.filter(kind="payment.delete").exists()


def test_an_accountant_cannot_delete_a_payment_even_through_the_service(books, verified):
    accountant = MembershipFactory(company=books, role="accountant").user
    with pytest.raises(NotAllowed):
        payment_delete_in_books(
            company=books, actor=accountant, payment_id=verified.pk, submission_key=uuid.uuid4()
        )
    assert not Push.objects.filter(kind="payment.delete").exists()


# --- the pages ------------------------------------------------------------------------------------


@pytest.fixture
def recorded(company):
    from tests.factories import (
        AccountingConnectionFactory,
        PaymentAllocationFactory,
        PaymentFactory,
        PushFactory,
    )

    AccountingConnectionFactory(company=company)
    payment = PaymentFactory(
        company=company,
        status="verified",
        supplier_name="Acme Supplies",
        push=PushFactory(company=company, status="succeeded", record_id="145"),
    )
    PaymentAllocationFactory(payment=payment, bill__reference="INV-77")
    return payment


def _page(client, payment):
    from django.urls import reverse

    return client.get(reverse("payments:payment-delete", args=[payment.pk]))


def test_the_confirmation_page_says_what_happens_in_plain_words(client_member, recorded):
    page = _page(client_member, recorded).content.decode()

    assert f"Delete payment {recorded.reference} from QuickBooks Online?" in page
    assert "Acme Supplies" in page and "INV-77" in page
    assert "show as unpaid again" in page and "No money moves" in page
    assert 'name="submission_key"' in page
    assert "billPayment" not in page and "push" not in page.lower().replace("pushes", "")


def test_confirming_sends_one_deletion_and_goes_back_to_the_payment(
    client_member, recorded, enqueued
):
    from django.urls import reverse

    url = reverse("payments:payment-delete", args=[recorded.pk])
    key = str(uuid.uuid4())

    first = client_member.post(url, {"submission_key": key})
    second = client_member.post(url, {"submission_key": key})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("payments:payment-detail", args=[recorded.pk])
    assert Push.objects.filter(kind="payment.delete").count() == 1
    detail = client_member.get(first["Location"]).content.decode()
    assert "Deleting this payment from your books" in detail
    assert 'id="payment-delete-link"' not in detail


def test_a_bad_key_is_a_plain_error_not_a_500(client_member, recorded):
    from django.urls import reverse

    response = client_member.post(
        reverse("payments:payment-delete", args=[recorded.pk]), {"submission_key": "x" * 5000}
    )

    assert response.status_code == 200
    assert "Reload it and try again" in response.content.decode()
    assert not Push.objects.filter(kind="payment.delete").exists()


def test_the_detail_page_offers_the_delete_only_where_the_platform_allows_it(
    client_member, recorded
):
    from django.urls import reverse

    url = reverse("payments:payment-detail", args=[recorded.pk])
    assert 'id="payment-delete-link"' in client_member.get(url).content.decode()

    AccountingConnection.objects.filter(company=recorded.company).update(
        platform_key="rwuv", platform_name="Zoho Books"
    )
    assert 'id="payment-delete-link"' not in client_member.get(url).content.decode()
    refused = _page(client_member, recorded).content.decode()
    assert "Zoho Books does not let BillPay delete payments" in refused
    assert 'name="submission_key"' not in refused


def test_the_detail_page_hides_the_delete_from_an_accountant(client_accountant, recorded):
    from django.urls import reverse

    page = client_accountant.get(reverse("payments:payment-detail", args=[recorded.pk]))

    assert 'id="payment-delete-link"' not in page.content.decode()
    assert _page(client_accountant, recorded).status_code == 403


def test_another_company_s_payment_is_a_404(client_member, other_company):
    from django.urls import reverse

    from tests.factories import PaymentFactory, PushFactory

    theirs = PaymentFactory(
        company=other_company,
        status="verified",
        push=PushFactory(company=other_company, status="succeeded", record_id="9"),
    )
    url = reverse("payments:payment-delete", args=[theirs.pk])

    assert client_member.get(url).status_code == 404
    assert client_member.post(url, {"submission_key": str(uuid.uuid4())}).status_code == 404
    assert not Push.objects.filter(kind="payment.delete").exists()


def test_ten_people_deleting_at_once_send_one_delete(books, verified):
    from tests.payments.test_concurrency import run_in_threads

    def delete(i):
        payment_delete_in_books(
            company=books, actor=owner(books), payment_id=verified.pk, submission_key=uuid.uuid4()
        )

    _results, errors = run_in_threads(10, delete)
    payment = _drive_delete(verified)

    assert errors == []
    assert Push.objects.filter(company=books, kind="payment.delete").count() == 1
    assert payment.status == S.DELETED
    assert _sandbox_deletes(books) == 1


def test_ten_workers_advancing_one_delete_send_it_once(books, verified):
    from tests.payments.test_concurrency import run_in_threads

    payment_delete_in_books(
        company=books, actor=owner(books), payment_id=verified.pk, submission_key=uuid.uuid4()
    )
    push_id = Payment.objects.get(pk=verified.pk).delete_push_id

    run_in_threads(10, lambda i: push_advance(push_id=push_id))
    payment = _drive_delete(verified)

    assert payment.status == S.DELETED
    assert _sandbox_deletes(books) == 1
