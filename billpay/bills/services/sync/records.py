"""Codat's records as our rows, one writer per data type (`TYPES`): suppliers, tax rates, the
chart of accounts, bills with their lines and payment allocations, and supplier credit notes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import models

from billpay.bills.models import Bill, BillAllocation, BillLine, CreditNote, Supplier, TaxRate
from billpay.bills.services import bulk
from billpay.bills.services.revision import bills_changed
from billpay.bills.services.sync.checks import first_problem, row_problem
from billpay.bills.services.sync.common import TypeCounts, aware
from billpay.bills.services.sync.mirror import keep, mirror, upsert
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.models import Company

if TYPE_CHECKING:
    from billpay.codat import schemas


def _write_suppliers(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    rows = [
        Supplier(
            company=company,
            codat_supplier_id=r.id,
            name=r.supplier_name or "",
            contact_name=r.contact_name or "",
            email=r.email_address or "",
            phone=r.phone or "",
            tax_number=r.tax_number or "",
            default_currency=r.default_currency or "",
            status=r.status or "",
            addresses=[dict(a.raw) for a in r.addresses],
            **mirror(r),
        )
        for r in records
    ]
    upsert(Supplier, "codat_supplier_id", company, keep(rows, records, skipped), counts, full)


def _write_tax_rates(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    rows = [
        TaxRate(
            company=company,
            codat_tax_rate_id=r.id,
            name=r.name or "",
            code=r.code or "",
            effective_tax_rate=r.effective_tax_rate,
            status=r.status or "",
            **mirror(r),
        )
        for r in records
    ]
    upsert(TaxRate, "codat_tax_rate_id", company, keep(rows, records, skipped), counts, full)


def _write_accounts(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    rows = [
        LedgerAccount(
            company=company,
            codat_account_id=r.id,
            name=r.name or "",
            nominal_code=r.nominal_code or "",
            fully_qualified_name=r.fully_qualified_name or "",
            fully_qualified_category=r.fully_qualified_category or "",
            account_type=r.type or "",
            status=r.status or "",
            currency=r.currency or "",
            current_balance=r.current_balance,
            is_bank_account=bool(r.is_bank_account),
            **mirror(r),
        )
        for r in records
    ]
    rows = keep(rows, records, skipped)
    upsert(LedgerAccount, "codat_account_id", company, rows, counts, full)


def _write_bills(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    suppliers = dict(
        Supplier.objects.filter(company=company).values_list("codat_supplier_id", "name")
    )
    supplier_pks = dict(
        Supplier.objects.filter(company=company).values_list("codat_supplier_id", "pk")
    )
    by_id = {r.id: r for r in records}
    rows, lines, allocations = [], {}, {}
    for r in by_id.values():
        supplier_id = (r.supplier_ref.id if r.supplier_ref else None) or ""
        supplier_name = (r.supplier_ref.supplier_name if r.supplier_ref else None) or suppliers.get(
            supplier_id, ""
        )
        descriptions = " ".join(line.description or "" for line in r.line_items)
        bill = Bill(
            company=company,
            codat_bill_id=r.id,
            supplier_id=supplier_pks.get(supplier_id),
            codat_supplier_id=supplier_id,
            supplier_name=supplier_name,
            reference=r.reference or "",
            issue_date=_date(r.issue_date),
            due_date=_date(r.due_date),
            currency=r.currency or "",
            currency_rate=r.currency_rate,
            sub_total=r.sub_total or 0,
            tax_amount=r.tax_amount or 0,
            total_amount=r.total_amount or 0,
            amount_due=r.amount_due or 0,
            codat_status=r.status or "",
            note=r.note or "",
            search_text=f"{supplier_name} {r.reference or ''} {descriptions}".lower(),
            **mirror(r),
        )
        lines[r.id], allocations[r.id] = _bill_lines(company, r), _bill_allocations(company, r)
        problem = (
            row_problem(bill, r.raw)
            or first_problem(BillLine, lines[r.id])
            or first_problem(BillAllocation, allocations[r.id])
        )
        if problem:
            skipped.append((r.id, problem))
        else:
            rows.append(bill)
    written = upsert(Bill, "codat_bill_id", company, rows, counts, full)
    if not written:
        return
    bills_changed(company_id=company.pk)  # once per batch, after it commits
    bill_pks = {b.codat_bill_id: b.pk for b in written}
    if None in bill_pks.values():  # backends that do not return ids from an upsert
        bill_pks = dict(
            Bill.objects.filter(company=company, codat_bill_id__in=list(bill_pks)).values_list(
                "codat_bill_id", "pk"
            )
        )
    BillLine.objects.filter(bill_id__in=bill_pks.values()).delete()
    BillAllocation.objects.filter(bill_id__in=bill_pks.values()).delete()
    bulk.insert(
        BillLine, [{**line, "bill_id": pk} for code, pk in bill_pks.items() for line in lines[code]]
    )
    bulk.insert(
        BillAllocation,
        [{**alloc, "bill_id": pk} for code, pk in bill_pks.items() for alloc in allocations[code]],
    )


def _write_credit_notes(
    company: Company, records: list, counts: TypeCounts, full: bool, skipped: list
) -> None:
    suppliers = {
        code: (pk, name)
        for code, pk, name in Supplier.objects.filter(company=company).values_list(
            "codat_supplier_id", "pk", "name"
        )
    }
    rows = []
    for r in records:
        supplier_id = (r.supplier_ref.id if r.supplier_ref else None) or ""
        supplier_pk, known_name = suppliers.get(supplier_id, (None, ""))
        rows.append(
            CreditNote(
                company=company,
                codat_id=r.id,
                supplier_id=supplier_pk,
                codat_supplier_id=supplier_id,
                supplier_name=(r.supplier_ref.supplier_name if r.supplier_ref else None)
                or known_name,
                number=r.bill_credit_note_number or "",
                issue_date=_date(r.issue_date),
                currency=r.currency or "",
                currency_rate=r.currency_rate,
                sub_total=r.sub_total or 0,
                tax_amount=r.total_tax_amount or 0,
                total_amount=r.total_amount or 0,
                remaining_credit=r.remaining_credit or 0,
                status=r.status or "",
                note=r.note or "",
                source_modified_date=aware(r.source_modified_date)
                if r.source_modified_date
                else None,
                **mirror(r),
            )
        )
    upsert(CreditNote, "codat_id", company, keep(rows, records, skipped), counts, full)


def _bill_lines(company: Company, record: schemas.Bill) -> list[dict]:
    return [
        {
            "company_id": company.pk,
            "position": position,
            "description": item.description or "",
            "quantity": item.quantity if item.quantity is not None else 1,
            "unit_amount": item.unit_amount or 0,
            "discount_amount": item.discount_amount,
            "sub_total": item.sub_total,
            "tax_amount": item.tax_amount,
            "total_amount": item.total_amount,
            "codat_account_id": (item.account_ref.id if item.account_ref else None) or "",
            "account_name": (item.account_ref.name if item.account_ref else None) or "",
            "codat_tax_rate_id": (item.tax_rate_ref.id if item.tax_rate_ref else None) or "",
            "tax_rate_name": (item.tax_rate_ref.name if item.tax_rate_ref else None) or "",
        }
        for position, item in enumerate(record.line_items, start=1)
    ]


def _bill_allocations(company: Company, record: schemas.Bill) -> list[dict]:
    allocations = []
    for alloc in record.payment_allocations:
        payment, allocation = alloc.payment, alloc.allocation
        if allocation is None or allocation.total_amount is None:
            continue
        allocations.append(
            {
                "company_id": company.pk,
                "codat_payment_id": (payment.id if payment else None) or "",
                "payment_note": (payment.note if payment else None) or "",
                "paid_on": aware(payment.paid_on_date)
                if payment and payment.paid_on_date
                else None,
                "allocated_on": aware(allocation.allocated_on_date)
                if allocation.allocated_on_date
                else None,
                "amount": allocation.total_amount,
                "currency": allocation.currency or record.currency or "",
            }
        )
    return allocations


def _date(value: datetime | None) -> date | None:
    # Business dates: Codat sends midnight local time, with or without an offset; keep the day.
    return value.date() if value else None


@dataclass(frozen=True)
class TypeSpec:
    model: type[models.Model]
    key: str
    list: Callable[[Any], Callable[..., Iterator[Any]]]
    write: Callable[[Company, list, TypeCounts, bool, list], None]


TYPES = {
    "suppliers": TypeSpec(
        Supplier, "codat_supplier_id", lambda c: c.list_suppliers, _write_suppliers
    ),
    "taxRates": TypeSpec(
        TaxRate, "codat_tax_rate_id", lambda c: c.list_tax_rates, _write_tax_rates
    ),
    "accounts": TypeSpec(
        LedgerAccount, "codat_account_id", lambda c: c.list_accounts, _write_accounts
    ),
    "bills": TypeSpec(Bill, "codat_bill_id", lambda c: c.list_bills, _write_bills),
    "billCreditNotes": TypeSpec(
        CreditNote, "codat_id", lambda c: c.list_bill_credit_notes, _write_credit_notes
    ),
}
