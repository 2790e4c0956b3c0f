"""payments 0002 moves every payment's write state to a `Push` without losing one."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from billpay.payments.models import Payment
from billpay.pushes.models import Push
from tests.factories import CompanyFactory, LedgerAccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("payments", "0001_initial")]
# Through 0002_push, and on to the latest payments migration: the assertions read rows through
# today's model (later migrations only add columns with defaults).
AFTER = [("payments", "0006_deletion")]
OLD_STATUSES = [
    "draft",
    "scheduled",
    "queued",
    "submitting",
    "submitted",
    "checking",
    "pending",
    "verified",
    "failed",
    "on_hold",
    "cancelled",
]
# old payment status → (payment status now, its push's status; None: never sent, no push)
EXPECTED = {
    "draft": ("draft", None),
    "scheduled": ("scheduled", None),
    "on_hold": ("on_hold", None),
    "cancelled": ("cancelled", None),
    "queued": ("sending", "queued"),
    "submitting": ("sending", "sending"),
    "submitted": ("sending", "sent"),
    "checking": ("sending", "checking"),
    "pending": ("pending", "succeeded"),
    "verified": ("verified", "succeeded"),
    "failed": ("failed", "failed"),
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    company = CompanyFactory()
    MembershipFactory(company=company)
    account = LedgerAccountFactory(company=company)
    apps = migrate(BEFORE)
    yield apps, company, account
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_every_payment_keeps_its_write_state_on_its_push(old_apps):
    apps, company, account = old_apps
    OldPayment = apps.get_model("payments", "Payment")
    OldEvent = apps.get_model("payments", "PaymentEvent")
    now = timezone.now()
    rows = {}
    for n, status in enumerate(OLD_STATUSES):
        sent = status not in ("draft", "scheduled", "on_hold", "cancelled", "queued")
        rows[status] = OldPayment.objects.create(
            company_id=company.pk,
            reference=f"BP{n:08d}",
            codat_supplier_id="s1",
            method="bank_transfer",
            account_id=account.pk,
            codat_account_id="a1",
            currency="USD",
            total_amount=Decimal("10.00"),
            payment_date=now.date(),
            status=status,
            status_reason="No." if status == "failed" else "",
            idempotency_key=uuid.uuid4(),
            attempt=1 if status not in ("draft", "scheduled") else 0,
            request_body=f'{{"reference":"BP{n:08d}"}}',
            push_operation_key=f"op-{n}" if sent and status != "submitting" else "",
            codat_bill_payment_id=f"bp-{n}" if status in ("pending", "verified") else "",
            validation_errors=[{"field": "x", "message": "No."}] if status == "failed" else [],
            lookup={"bills_pull_id": "d1"}
            if status == "pending"
            else ({"op_final": True} if status == "checking" else {}),
            claimed_at=now - timedelta(minutes=5) if status != "queued" else None,
            submitted_at=now - timedelta(minutes=4) if sent else None,
        )
        OldEvent.objects.create(company_id=company.pk, payment=rows[status], status=status)

    migrate(AFTER)

    assert Payment.objects.count() == len(OLD_STATUSES)
    for status, old in rows.items():
        payment = Payment.objects.select_related("push").get(pk=old.pk)
        now_status, push_status = EXPECTED[status]
        assert payment.status == now_status, status
        if push_status is None:
            assert payment.push is None, status
            continue
        push = payment.push
        assert (push.status, push.kind, push.data_type) == (push_status, "payment", "billPayments")
        assert push.idempotency_key == old.idempotency_key and push.body == old.request_body
        assert push.push_operation_key == old.push_operation_key
        assert push.record_id == old.codat_bill_payment_id == payment.codat_bill_payment_id
        assert push.claimed_at == old.claimed_at and push.sent_at == old.submitted_at
    assert Payment.objects.get(pk=rows["failed"].pk).validation_errors == [
        {"field": "x", "message": "No."}
    ]
    assert Payment.objects.get(pk=rows["pending"].pk).verify_state == {"bills_pull_id": "d1"}
    assert Payment.objects.get(pk=rows["checking"].pk).push.lookup == {"op_final": True}
    assert Push.objects.count() == 7
    assert not Payment.objects.filter(events__status__in=["queued", "submitted"]).exists()
