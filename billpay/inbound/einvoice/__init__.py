"""Reading e-invoices: `parse(name, content)` → a `ParsedDocument`, or `Refused` with the reason."""

from billpay.inbound.einvoice.document import (
    CII,
    CREDIT_NOTE,
    FACTUR_X,
    INVOICE,
    UBL,
    Line,
    ParsedDocument,
    Party,
    Refused,
    TaxBreakdown,
    Totals,
)
from billpay.inbound.einvoice.read import parse

__all__ = [
    "CII",
    "CREDIT_NOTE",
    "FACTUR_X",
    "INVOICE",
    "UBL",
    "Line",
    "ParsedDocument",
    "Party",
    "Refused",
    "TaxBreakdown",
    "Totals",
    "parse",
]
