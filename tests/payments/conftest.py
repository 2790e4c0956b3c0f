from decimal import Decimal

import pytest
from django.utils import timezone

from billpay.bills.models import Bill
from billpay.mapping.models import AccountMapping, LedgerAccount
from billpay.payments.models import Payment
from billpay.payments.services import payment_confirm, payment_prepare, payment_verify
from billpay.pushes.services import push_advance
from tests.conftest import sync_books

S = Payment.Status


@pytest.fixture(autouse=True)
def _payment_settings(settings):
    settings.PUSH_WEBHOOK_GRACE_SECONDS = 0
    settings.PUSH_STALE_CLAIM_SECONDS = 300


@pytest.fixture
def books(linked_company, enqueued):
    """The linked company's books mirrored, with a USD bank account mapped to bank transfers."""
    sync_books(linked_company)
    account = LedgerAccount.objects.get(
        company=linked_company,
        is_bank_account=True,
        currency="USD",
        account_type="Asset",
        status="Active",
    )
    AccountMapping.objects.create(
        company=linked_company, method="bank_transfer", currency="USD", account=account
    )
    return linked_company


def open_bills(company, *, count=1, currency="USD"):
    """`count` open bills of one supplier (the supplier with the most open bills)."""
    bills = Bill.objects.filter(
        company=company,
        currency=currency,
        amount_due__gt=0,
        codat_status="Open",
        is_deleted=False,
        issue_date__lte=timezone.localdate(),
    ).exclude(review_status="rejected")
    by_supplier = {}
    for bill in bills.order_by("pk"):
        by_supplier.setdefault(bill.codat_supplier_id, []).append(bill)
    best = max(by_supplier.values(), key=len)
    assert len(best) >= count
    return best[:count]


def prepare(company, user, bills, amounts=None, **kwargs) -> Payment:
    amounts = amounts or {b.pk: b.amount_due for b in bills}
    return payment_prepare(
        company=company,
        actor=user,
        bill_ids=[b.pk for b in bills],
        method="bank_transfer",
        amounts={k: Decimal(v) for k, v in amounts.items()},
        payment_date=kwargs.pop("payment_date", timezone.localdate()),
        **kwargs,
    )


def owner(company):
    return company.memberships.get(role="owner").user


def pay(company, bills, amounts=None) -> Payment:
    user = owner(company)
    payment = prepare(company, user, bills, amounts)
    payment_confirm(company=company, actor=user, payment_id=payment.pk)
    return drive(payment)


def drive(payment: Payment, *, steps: int = 12) -> Payment:
    """Run the push and verify services the way the tasks would, until the payment settles."""
    for _ in range(steps):
        payment.refresh_from_db()
        if payment.status == S.SENDING:
            push_advance(push_id=payment.push_id)
        elif payment.status == S.PENDING:
            payment_verify(payment_id=payment.pk)
        else:
            break
    payment.refresh_from_db()
    return payment
