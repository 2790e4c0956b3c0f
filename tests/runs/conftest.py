from decimal import Decimal

import pytest
from django.utils import timezone

from billpay.bills.models import Bill
from billpay.payments.models import Payment
from billpay.pushes.services import push_advance
from billpay.runs.models import PayRun
from billpay.runs.services import run_confirm, run_create, run_verify
from tests.payments.conftest import _payment_settings, books, owner  # noqa: F401  (fixtures)

P = Payment.Status


def bills_of_suppliers(company, *, suppliers=3, per_supplier=2, currency="USD"):
    """`per_supplier` open bills of each of `suppliers` suppliers, in one currency."""
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
    picked = [group[:per_supplier] for group in by_supplier.values() if len(group) >= per_supplier]
    assert len(picked) >= suppliers
    return [bill for group in picked[:suppliers] for bill in group]


def create(company, bills, **kwargs) -> PayRun:
    return run_create(
        company=company, actor=owner(company), bill_ids=[b.pk for b in bills], **kwargs
    )


def confirm(company, run, **kwargs) -> PayRun:
    run.refresh_from_db()
    return run_confirm(
        company=company, actor=owner(company), run_id=run.pk, form_token=run.form_token, **kwargs
    )


def drive(run: PayRun, *, steps: int = 15) -> PayRun:
    """Advance the run's pushes and its verification the way the tasks would, until it settles."""
    for _ in range(steps):
        run.refresh_from_db()
        sending = Payment.objects.filter(run_group__run=run, status=P.SENDING)
        if sending.exists():
            for payment in sending:
                push_advance(push_id=payment.push_id)
            continue
        if run.status != PayRun.Status.SENDING:
            break
        run_verify(run_id=run.pk)
    run.refresh_from_db()
    return run


def amounts(run: PayRun) -> dict[int, Decimal]:
    return dict(run.lines.values_list("bill_id", "amount"))


@pytest.fixture
def suppliers_bills(company):
    """Six open USD bills of three suppliers (two each), with a USD account mapped to bank
    transfers holding 25,000.00."""
    from tests.factories import AccountMappingFactory, BillFactory, SupplierFactory

    company.mapping = AccountMappingFactory(company=company)
    bills = []
    for name in ("Acme Paper", "Blue Freight", "Cobalt Power"):
        supplier = SupplierFactory(company=company, name=name)
        bills += BillFactory.create_batch(2, company=company, supplier=supplier)
    return bills
