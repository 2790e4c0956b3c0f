"""Accounting records read from `/data/*`: bills, suppliers, accounts, payments..."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from billpay.codat.schemas.base import Decodable, is_deleted_field, raw_field, record
from billpay.codat.schemas.core import Address, Ref, SupplierRef, TaxRateRef

# --- accounting data -----------------------------------------------------------------------


@record
class BillLineItem(Decodable):
    line_number: str | None = None
    description: str | None = None
    unit_amount: Decimal | None = None
    quantity: Decimal | None = None
    unit_of_measurement: str | None = None
    discount_amount: Decimal | None = None
    discount_percentage: Decimal | None = None
    sub_total: Decimal | None = None
    tax_amount: Decimal | None = None
    total_amount: Decimal | None = None
    account_ref: Ref | None = None
    tax_rate_ref: TaxRateRef | None = None
    item_ref: Ref | None = None
    is_direct_cost: bool | None = None
    tracking: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class WithholdingTax(Decodable):
    name: str | None = None
    amount: Decimal | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class AllocationPayment(Decodable):
    """The payment side of a bill's payment allocation."""

    id: str | None = None
    note: str | None = None
    reference: str | None = None
    account_ref: Ref | None = None
    currency: str | None = None
    currency_rate: Decimal | None = None
    paid_on_date: datetime | None = None
    total_amount: Decimal | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class Allocation(Decodable):
    currency: str | None = None
    currency_rate: Decimal | None = None
    allocated_on_date: datetime | None = None
    total_amount: Decimal | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class PaymentAllocation(Decodable):
    payment: AllocationPayment | None = None
    allocation: Allocation | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class Bill(Decodable):
    id: str
    reference: str | None = None
    supplier_ref: SupplierRef | None = None
    status: str | None = None
    issue_date: datetime | None = None
    due_date: datetime | None = None
    currency: str | None = None
    currency_rate: Decimal | None = None
    sub_total: Decimal | None = None
    tax_amount: Decimal | None = None
    total_amount: Decimal | None = None
    amount_due: Decimal | None = None
    note: str | None = None
    line_items: tuple[BillLineItem, ...] = ()
    withholding_tax: tuple[WithholdingTax, ...] = ()
    payment_allocations: tuple[PaymentAllocation, ...] = ()
    is_deleted: bool = is_deleted_field()
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class BillCreditNoteLineItem(Decodable):
    description: str | None = None
    unit_amount: Decimal | None = None
    quantity: Decimal | None = None
    discount_amount: Decimal | None = None
    discount_percentage: Decimal | None = None
    sub_total: Decimal | None = None
    tax_amount: Decimal | None = None
    total_amount: Decimal | None = None
    account_ref: Ref | None = None
    tax_rate_ref: TaxRateRef | None = None
    item_ref: Ref | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class BillCreditNote(Decodable):
    """A supplier's credit note (accounts payable): its credit, and how much is left to use."""

    id: str
    bill_credit_note_number: str | None = None
    supplier_ref: SupplierRef | None = None
    status: str | None = None  # Unknown, Draft, Submitted, Paid, Void, PartiallyPaid
    issue_date: datetime | None = None
    allocated_on_date: datetime | None = None
    currency: str | None = None
    currency_rate: Decimal | None = None
    sub_total: Decimal | None = None
    total_tax_amount: Decimal | None = None
    total_discount: Decimal | None = None
    discount_percentage: Decimal | None = None
    total_amount: Decimal | None = None
    remaining_credit: Decimal | None = None
    note: str | None = None
    line_items: tuple[BillCreditNoteLineItem, ...] = ()
    payment_allocations: tuple[PaymentAllocation, ...] = ()
    is_deleted: bool = is_deleted_field()
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class Supplier(Decodable):
    id: str
    supplier_name: str | None = None
    contact_name: str | None = None
    email_address: str | None = None
    phone: str | None = None
    addresses: tuple[Address, ...] = ()
    registration_number: str | None = None
    tax_number: str | None = None
    status: str | None = None
    default_currency: str | None = None
    is_deleted: bool = is_deleted_field()
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class Account(Decodable):
    id: str
    nominal_code: str | None = None
    name: str | None = None
    description: str | None = None
    fully_qualified_category: str | None = None
    fully_qualified_name: str | None = None
    currency: str | None = None
    current_balance: Decimal | None = None
    type: str | None = None
    status: str | None = None
    is_bank_account: bool = False
    is_deleted: bool = is_deleted_field()
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class BillPaymentLink(Decodable):
    type: str | None = None
    id: str | None = None
    amount: Decimal | None = None
    currency_rate: Decimal | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class BillPaymentLine(Decodable):
    amount: Decimal | None = None
    links: tuple[BillPaymentLink, ...] = ()
    allocated_on_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class BillPayment(Decodable):
    id: str
    supplier_ref: SupplierRef | None = None
    account_ref: Ref | None = None
    payment_method_ref: Ref | None = None
    total_amount: Decimal | None = None
    currency: str | None = None
    currency_rate: Decimal | None = None
    date: datetime | None = None
    note: str | None = None
    reference: str | None = None
    lines: tuple[BillPaymentLine, ...] = ()
    is_deleted: bool = is_deleted_field()
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class TaxRateComponent(Decodable):
    name: str | None = None
    rate: Decimal | None = None
    is_compound: bool | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class TaxRate(Decodable):
    id: str
    name: str | None = None
    code: str | None = None
    status: str | None = None
    effective_tax_rate: Decimal | None = None
    total_tax_rate: Decimal | None = None
    components: tuple[TaxRateComponent, ...] = ()
    is_deleted: bool = is_deleted_field()
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class PaymentMethod(Decodable):
    id: str
    name: str | None = None
    type: str | None = None
    status: str | None = None
    is_deleted: bool = is_deleted_field()
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class Attachment(Decodable):
    id: str
    name: str | None = None
    content_type: str | None = None
    date_created: datetime | None = None
    file_size: int | None = None
    include_when_sent: bool | None = None
    modified_date: datetime | None = None
    source_modified_date: datetime | None = None
    raw: Mapping[str, Any] = raw_field()
