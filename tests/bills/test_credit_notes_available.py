"""The selector credit-pay builds on: a supplier's notes with credit left, in a currency, oldest first."""

from datetime import date
from decimal import Decimal

import pytest

from billpay.bills.models import LOCAL_ID_PREFIX
from billpay.bills.selectors import credit_notes_available
from tests.factories import CompanyFactory, CreditNoteFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def test_only_the_suppliers_notes_with_credit_left_in_that_currency_oldest_first():
    supplier = SupplierFactory()
    company = supplier.company
    newer = CreditNoteFactory(company=company, supplier=supplier, issue_date=date(2026, 5, 2))
    older = CreditNoteFactory(
        company=company,
        supplier=supplier,
        issue_date=date(2026, 1, 9),
        status="PartiallyPaid",
        remaining_credit=Decimal("0.0001"),
    )
    # Unlinked note matched on the books' supplier id (the supplier synced after the note).
    unlinked = CreditNoteFactory(
        company=company,
        supplier=None,
        codat_supplier_id=supplier.codat_supplier_id,
        issue_date=date(2026, 3, 1),
    )
    CreditNoteFactory(company=company, supplier=supplier, remaining_credit=Decimal("0"))
    CreditNoteFactory(company=company, supplier=supplier, is_deleted=True)
    CreditNoteFactory(company=company, supplier=supplier, status="Void")
    CreditNoteFactory(company=company, supplier=supplier, status="Draft")
    CreditNoteFactory(company=company, supplier=supplier, currency="EUR")
    CreditNoteFactory(company=company, supplier=supplier, codat_id=f"{LOCAL_ID_PREFIX}x")
    CreditNoteFactory(company=company)  # another supplier
    other_company = CompanyFactory()
    CreditNoteFactory(
        company=other_company,
        supplier=SupplierFactory(
            company=other_company, codat_supplier_id=supplier.codat_supplier_id
        ),
    )

    by_pk = credit_notes_available(company, supplier_id=supplier.pk, currency="USD")
    by_codat = credit_notes_available(
        company, codat_supplier_id=supplier.codat_supplier_id, currency="usd"
    )

    assert list(by_pk) == [older, unlinked, newer]
    assert list(by_codat) == [older, unlinked, newer]
    assert len(credit_notes_available(company, supplier_id=supplier.pk)) == 4  # any currency


def test_a_supplier_is_required():
    with pytest.raises(ValueError):
        credit_notes_available(CompanyFactory())
