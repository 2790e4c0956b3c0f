from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billpay.bills.models import Supplier, TaxRate
from billpay.bills.services.create import LineInput
from billpay.mapping.models import AccountMapping, LedgerAccount
from billpay.recurring.schedule import MONTHLY, Schedule
from billpay.recurring.services import TemplateInput, recurring_create
from billpay.sandbox.models import SandboxLedgerRecord, SandboxPushOperation
from tests.conftest import sync_books


@pytest.fixture(autouse=True)
def _push_settings(settings):
    settings.PUSH_WEBHOOK_GRACE_SECONDS = 0
    settings.PUSH_STALE_CLAIM_SECONDS = 300


@pytest.fixture
def books(linked_company, enqueued):
    """The linked company's books mirrored, with a USD bank account mapped to bank transfers
    (nothing is sent to the broker: tests run the work themselves)."""
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


def owner(company):
    return company.memberships.get(role="owner").user


def choices(company):
    """A USD supplier in the books, an expense account and a tax rate."""
    supplier = (
        Supplier.objects.filter(company=company, status="Active", is_deleted=False)
        .order_by("pk")
        .first()
    )
    account = LedgerAccount.objects.filter(
        company=company, is_bank_account=False, account_type="Expense"
    ).first()
    tax = TaxRate.objects.filter(company=company, effective_tax_rate__gt=0).first()
    return supplier, account, tax


def template_input(company, *, start=None, payment_method="", **schedule) -> TemplateInput:
    supplier, account, _ = choices(company)
    schedule.setdefault("frequency", MONTHLY)
    schedule.setdefault("due_days", 30)
    return TemplateInput(
        supplier=supplier,
        reference=schedule.pop("reference", "RENT"),
        currency="USD",
        note="Office rent",
        lines=(
            LineInput(
                description="Rent",
                quantity=Decimal("1"),
                unit_amount=Decimal("1250.50"),
                account=account,
            ),
        ),
        schedule=Schedule(
            start_date=start or timezone.localdate(),
            pays=bool(payment_method),
            **schedule,
        ),
        payment_method=payment_method,
    )


def make_template(company, *, actor=None, **kwargs):
    import uuid

    return recurring_create(
        company=company,
        actor=actor or owner(company),
        data=template_input(company, **kwargs),
        submission_key=uuid.uuid4(),
    )


def ledger_bills(company, reference: str):
    return [
        r
        for r in SandboxLedgerRecord.objects.filter(
            company=company.seeded.company, data_type="bills", is_deleted=False
        )
        if r.data.get("reference") == reference
    ]


def bill_pushes(company) -> int:
    return SandboxPushOperation.objects.filter(
        company=company.seeded.company, data_type="bills", kind="Create"
    ).count()


def last_weekday_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day
