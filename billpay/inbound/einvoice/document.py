"""What an e-invoice says, once read: plain frozen dataclasses, no Django models.

Every e-invoice format (Factur-X / ZUGFeRD PDFs, CII XML, UBL 2.1 invoices and credit notes)
is read into one `ParsedDocument`. Amounts are Decimals exactly as written in the document
(never rounded here: `core.money` rounds); dates are `date`s; codes are as the standard has
them (ISO 4217 currencies, UNCL 5305 tax categories).

`Refused` is the one error a reader raises: its `phrase` says why in words an owner reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from billpay.core.words import Phrase

FACTUR_X, UBL, CII = "factur-x", "ubl", "cii"
INVOICE, CREDIT_NOTE = "invoice", "credit_note"


class Refused(Exception):
    """A file that is not read, and why.

    `code` is one of: "too_large", "unsafe" (entities, DTDs, expansion), "malformed" (not
    well-formed XML, broken PDF), "not_invoice" (an XML that is no invoice we know),
    "no_invoice_inside" (a PDF without an embedded e-invoice), "unsupported" (another type of
    file), "empty".
    """

    def __init__(self, code: str, phrase: Phrase) -> None:
        super().__init__(str(phrase))
        self.code = code
        self.phrase = phrase


@dataclass(frozen=True)
class Party:
    name: str = ""
    vat_number: str = ""  # compact, e.g. "FR40303265045" ("" when absent or invalid)
    siren: str = ""  # French SIREN (9 digits): given (scheme 0002) or read from a FR VAT number
    registration: str = ""  # another legal registration id, as written
    email: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166 alpha-2


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal  # net, per unit
    net_amount: Decimal  # the line's total without tax, as the document states it
    tax_rate: Decimal | None  # a percentage (Decimal("20")); None when the document gives none
    tax_category: str = "S"  # UNCL 5305: S standard, Z zero, E exempt, AE reverse charge, K, G, O
    note: str = ""


@dataclass(frozen=True)
class TaxBreakdown:
    rate: Decimal | None
    category: str
    taxable_amount: Decimal
    tax_amount: Decimal
    exemption_reason: str = ""


@dataclass(frozen=True)
class Totals:
    line_total: Decimal  # sum of the lines' net amounts
    tax_exclusive: Decimal  # after document-level allowances and charges
    tax_amount: Decimal
    tax_inclusive: Decimal
    prepaid: Decimal = Decimal(0)
    payable: Decimal = Decimal(0)
    # Document-level allowances (discounts, BT-107) and charges (BT-108), and the rounding
    # amount (BT-114): kept so the totals can be checked (line_total - allowances + charges
    # = tax_exclusive; tax_inclusive - prepaid + rounding = payable).
    allowances: Decimal = Decimal(0)
    charges: Decimal = Decimal(0)
    rounding: Decimal = Decimal(0)


@dataclass(frozen=True)
class ParsedDocument:
    format: str  # FACTUR_X | UBL | CII
    kind: str  # INVOICE | CREDIT_NOTE
    number: str
    issue_date: date | None
    due_date: date | None
    currency: str
    supplier: Party
    buyer: Party
    lines: tuple[Line, ...]
    taxes: tuple[TaxBreakdown, ...]
    totals: Totals
    payment_terms: str = ""
    profile: str = ""  # Factur-X profile ("en16931", "basic", "minimum"...) when given
    # What a reader noticed but did not refuse for: totals that do not add up, an invalid VAT
    # number, a line without a rate. Shown on the draft.
    warnings: tuple[Phrase, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        """The document as JSON-safe values (Decimals and dates as strings), for a draft's `data`."""
        data = asdict(self)
        data["warnings"] = [w.to_json() for w in self.warnings]
        return _jsonable(data)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
