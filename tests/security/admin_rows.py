"""One row of every model the Django admin has registered, so each change page has something to open.

`admin_rows()` fails loudly when a newly registered model has no row here: add one below.
"""

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import admin
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from billpay.approvals.models import ApprovalRequest, ApprovalRule, RuleApprover
from billpay.bills.models import SyncRun
from billpay.core.models import AuditEvent
from billpay.inbound.models import Draft, InboundAddress
from billpay.mapping.models import BankAccountRequest
from billpay.notifications.models import Kind, Notification, Preference
from billpay.onboarding.models import WebhookEvent
from billpay.payments.models import Payment, PaymentAllocation, PaymentEvent, PaymentSettings
from billpay.recurring.models import RecurringBill, RecurringOccurrence
from billpay.runs.models import PayRun, PayRunGroup
from billpay.sandbox.models import SandboxPushOperation, SandboxWebhookDelivery
from billpay.sandbox.seeding import seed_company
from tests.factories import (
    AccountingConnectionFactory,
    AccountMappingFactory,
    BillFactory,
    BillLineFactory,
    CompanyFactory,
    CreditNoteFactory,
    LedgerAccountFactory,
    LedgerWriteFactory,
    MembershipFactory,
    PushFactory,
    SupplierFactory,
    UserFactory,
)
from tests.mapping.factories import BankAccountRequestFactory


@dataclass
class AdminRows:
    superuser: object
    rows: dict  # model -> one instance


def admin_rows() -> AdminRows:
    """A superuser, and one saved row of each registered model (sandbox included)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    now = timezone.now()
    superuser = UserFactory(email="staff@billpay.example", is_staff=True, is_superuser=True)
    company = CompanyFactory(name="Admin Pages Ltd", codat_company_id=str(uuid.uuid4()))
    membership = MembershipFactory(company=company, user__email="owner@adminpages.example")
    AccountingConnectionFactory(company=company)
    supplier = SupplierFactory(company=company)
    bill = BillFactory(company=company, supplier=supplier)
    BillLineFactory(bill=bill)
    CreditNoteFactory(company=company, supplier=supplier)
    LedgerWriteFactory(company=company, bill=bill)  # and its push (pushes.Push)
    account = LedgerAccountFactory(company=company)
    push = PushFactory(company=company, status="sent", push_operation_key=str(uuid.uuid4()))
    payment = Payment.objects.create(
        company=company,
        reference="PAY-ADMIN-1",
        supplier=supplier,
        push=push,
        codat_supplier_id=supplier.codat_supplier_id,
        supplier_name=supplier.name,
        method="bank_transfer",
        account=account,
        codat_account_id=account.codat_account_id,
        currency="USD",
        total_amount=Decimal("12.50"),
        payment_date=now.date(),
        request_body=json.dumps({"totalAmount": 12.5}),
        created_by=membership.user,
    )
    PaymentAllocation.objects.create(
        company=company,
        payment=payment,
        bill=bill,
        codat_bill_id=bill.codat_bill_id,
        amount=Decimal("12.50"),
        currency="USD",
        amount_due_before=bill.amount_due,
    )
    PaymentEvent.objects.create(
        company=company,
        payment=payment,
        status=Payment.Status.DRAFT,
        message="Prepared.",
        actor=membership.user,
    )
    run = PayRun.objects.create(
        company=company, method="bank_transfer", payment_date=now.date(), bill_count=1
    )
    PayRunGroup.objects.create(
        company=company,
        run=run,
        supplier=supplier,
        codat_supplier_id=supplier.codat_supplier_id,
        supplier_name=supplier.name,
        currency="USD",
        account=account,
        total=Decimal("12.50"),
        payment=payment,
    )
    seeded = seed_company(name="Admin Pages sandbox", bills=2, seed=3)
    SandboxPushOperation.objects.create(
        company=seeded.company,
        connection=seeded.connection,
        data_type="bills",
        kind="Create",
        body={"reference": "X"},
        requested=now,
        due=now,
    )
    rows = {
        Group: Group.objects.create(name="Support"),
        AccessAttempt: AccessAttempt.objects.create(
            username="mallory",
            ip_address="127.0.0.1",
            user_agent="test",
            failures_since_start=1,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/login/",
        ),
        AccessLog: AccessLog.objects.create(
            username="alice",
            ip_address="127.0.0.1",
            user_agent="test",
            http_accept="",
            path_info="/login/",
        ),
        AccessFailureLog: AccessFailureLog.objects.create(
            username="mallory",
            ip_address="127.0.0.1",
            user_agent="test",
            http_accept="",
            path_info="/login/",
        ),
        AuditEvent: AuditEvent.objects.create(
            company=company,
            actor=membership.user,
            action="bill.note",
            target=str(bill),
            ref=f"bill:{bill.pk}",
            data={"text": "hello"},
        ),
        WebhookEvent: WebhookEvent.objects.create(
            webhook_id="msg_admin_1",
            event_type="connection.connected",
            company=company,
            payload={"eventType": "connection.connected"},
        ),
        SyncRun: SyncRun.objects.create(company=company, trigger=SyncRun.Trigger.MANUAL),
        Draft: Draft.objects.create(
            company=company, source=Draft.Source.UPLOAD, file_name="admin-invoice.xml"
        ),
        InboundAddress: InboundAddress.objects.create(company=company),
        BankAccountRequest: BankAccountRequestFactory(
            company=company,
            method="bank_transfer",
            currency="USD",
            account_type="Debit",
            account_name="Operating",
            created_by=membership.user,
        ),
        PaymentSettings: PaymentSettings.objects.create(
            company=company, approval_threshold=Decimal("1000")
        ),
        Notification: Notification.objects.create(
            company=company,
            recipient=membership.user,
            kind=Kind.DIGEST,
            event_key="digest:admin",
            message="This week: 1 bills due in the next 7 days, 0 overdue.",
        ),
        Preference: Preference.objects.create(user=membership.user, kind=Kind.DIGEST),
        SandboxWebhookDelivery: SandboxWebhookDelivery.objects.create(
            msg_id="msg_sandbox_admin_1",
            company=seeded.company,
            event_type="read.completed",
            body="{}",
            url="http://127.0.0.1:9/webhooks/codat/",
            created=now,
        ),
    }
    rule = ApprovalRule.objects.create(company=company, applies_to="payments", mode="any")
    RuleApprover.objects.create(rule=rule, user=membership.user, position=0)
    rows[ApprovalRule] = rule
    rows[ApprovalRequest] = ApprovalRequest.objects.create(
        company=company,
        kind="payment",
        object_id=1,
        label="Acme Ltd PAY-1",
        amount=Decimal("10"),
        currency="GBP",
        fingerprint="x",
        rule=rule,
        mode="any",
        steps=[[membership.user.pk]],
    )
    # django-otp's own admin: staff remove a member's lost authenticator there.
    rows[TOTPDevice] = TOTPDevice.objects.create(user=membership.user, name="default")
    rows[StaticDevice] = StaticDevice.objects.create(user=membership.user, name="recovery")
    StaticToken.objects.create(device=rows[StaticDevice], token="abcdefgh")
    AccountMappingFactory(company=company, account=LedgerAccountFactory(company=company))
    rows[RecurringBill] = RecurringBill.objects.create(
        company=company,
        supplier=supplier,
        supplier_name=supplier.name,
        currency="USD",
        total_amount=Decimal("12.50"),
        frequency="monthly",
        start_date=now.date(),
        runs_from=now.date(),
        form_token=uuid.uuid4(),
        created_by=membership.user,
    )
    RecurringOccurrence.objects.create(
        company=company,
        template=rows[RecurringBill],
        date=now.date(),
        submission_key=uuid.uuid4(),
        state="created",
        bill=bill,
    )
    found = {}
    for model in admin.site._registry:
        row = rows.get(model) or model._default_manager.order_by("pk").first()
        assert row is not None, (
            f"No {model._meta.label} row to open in the admin: add one to tests/security/admin_rows.py"
        )
        found[model] = row
    return AdminRows(superuser=superuser, rows=found)
