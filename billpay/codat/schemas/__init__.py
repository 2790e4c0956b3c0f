"""Typed, frozen records for what Codat returns (Sync for Payables v1).

Field names are Codat's in snake_case; `decode.py` maps them back (`sub_total` <- `subTotal`).
Amounts are `Decimal`, dates are `datetime` (naive when Codat sends no offset, aware
otherwise), enum values stay plain strings so an unknown value never breaks a sync. Every
record keeps the JSON object it came from on `raw`, for mirroring and for fields we don't
model. Build one with `Record.from_json(data)` after `serialize.loads`.
"""

from billpay.codat.errors import ValidationItem
from billpay.codat.schemas.accounting import (
    Account,
    Allocation,
    AllocationPayment,
    Attachment,
    Bill,
    BillCreditNote,
    BillCreditNoteLineItem,
    BillLineItem,
    BillPayment,
    BillPaymentLine,
    BillPaymentLink,
    PaymentAllocation,
    PaymentMethod,
    Supplier,
    TaxRate,
    TaxRateComponent,
    WithholdingTax,
)
from billpay.codat.schemas.core import (
    Address,
    Company,
    CompanyInfo,
    Connection,
    DataConnectionError,
    DataStatus,
    Page,
    PullOperation,
    Ref,
    SupplierRef,
    TaxRateRef,
)
from billpay.codat.schemas.push import (
    PushChange,
    PushFieldValidation,
    PushOperation,
    PushOperationValidation,
    PushOption,
    PushOptionChoice,
    PushValidationInfo,
    RecordRef,
)

__all__ = [
    "Account",
    "Address",
    "Allocation",
    "AllocationPayment",
    "Attachment",
    "Bill",
    "BillCreditNote",
    "BillCreditNoteLineItem",
    "BillLineItem",
    "BillPayment",
    "BillPaymentLine",
    "BillPaymentLink",
    "Company",
    "CompanyInfo",
    "Connection",
    "DataConnectionError",
    "DataStatus",
    "Page",
    "PaymentAllocation",
    "PaymentMethod",
    "PullOperation",
    "PushChange",
    "PushFieldValidation",
    "PushOperation",
    "PushOperationValidation",
    "PushOption",
    "PushOptionChoice",
    "PushValidationInfo",
    "RecordRef",
    "Ref",
    "Supplier",
    "SupplierRef",
    "TaxRate",
    "TaxRateComponent",
    "TaxRateRef",
    "ValidationItem",
    "WithholdingTax",
]
