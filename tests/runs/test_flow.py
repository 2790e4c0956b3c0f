"""A pay run against the sandbox over real HTTP: what lands in the books, exactly once."""

import pytest

from billpay.payments.models import Payment
from billpay.runs.models import PayRun
from billpay.sandbox.models import SandboxDataset, SandboxPushOperation
from tests.payments.test_writeback import ledger_bill, ledger_payments
from tests.runs.conftest import bills_of_suppliers, confirm, create, drive

pytestmark = pytest.mark.django_db(transaction=True)
P = Payment.Status


def test_six_bills_of_three_suppliers_are_three_bill_payments_verified_with_one_refresh(books):
    bills = bills_of_suppliers(books)
    run = create(books, bills)

    run = drive(confirm(books, run))

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
