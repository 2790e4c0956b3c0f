"""UBL 2.1 invoices and credit notes (OASIS), as EN 16931 (and Peppol BIS 3) use them."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from billpay.inbound.einvoice import values
from billpay.inbound.einvoice.cii import CREDIT_NOTE_CODES
from billpay.inbound.einvoice.document import (
    CREDIT_NOTE,
    INVOICE,
    UBL,
    Line,
    ParsedDocument,
    Party,
    TaxBreakdown,
    Totals,
)
from billpay.inbound.einvoice.fields import WHAT

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
INVOICE_ROOT = f"{{{INVOICE_NS}}}Invoice"
CREDIT_NOTE_ROOT = f"{{{CREDIT_NOTE_NS}}}CreditNote"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def _find(element, path: str):
    return element.find(path, NS) if element is not None else None


def _text(element, path: str) -> str | None:
    found = _find(element, path)
    return found.text if found is not None else None


def _all(element, path: str) -> list:
    return element.findall(path, NS) if element is not None else []


def read(root: etree._Element) -> ParsedDocument:
    credit = root.tag == CREDIT_NOTE_ROOT
    type_code = (
        _text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode") or ""
    ).strip()
    currency = values.currency(_text(root, "cbc:DocumentCurrencyCode"))
    due = _text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    terms = " ".join(
        values.text(note.text, values.TEXT_MAX) for note in _all(root, "cac:PaymentTerms/cbc:Note")
    ).strip()
    line_path = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    quantity_name = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    return ParsedDocument(
        format=UBL,
        kind=CREDIT_NOTE if credit or type_code in CREDIT_NOTE_CODES else INVOICE,
        number=values.text(_text(root, "cbc:ID")),
        issue_date=values.iso_date(_text(root, "cbc:IssueDate"), what=WHAT["issue_date"]),
        due_date=values.iso_date(due, what=WHAT["due_date"]),
        currency=currency,
        supplier=_party(_find(root, "cac:AccountingSupplierParty/cac:Party")),
        buyer=_party(_find(root, "cac:AccountingCustomerParty/cac:Party")),
        lines=tuple(_line(line, quantity_name) for line in _all(root, line_path)),
        taxes=tuple(
            _tax(subtotal) for subtotal in _all(_tax_total(root, currency), "cac:TaxSubtotal")
        ),
        totals=_totals(root, currency),
        payment_terms=terms[: values.TEXT_MAX],
        profile=_profile(_text(root, "cbc:CustomizationID")),
    )


def _profile(customization: str | None) -> str:
    """BT-24 in short: "peppol" (Peppol BIS Billing 3), "en16931", or "" (another)."""
    lowered = (customization or "").lower()
    if "peppol" in lowered:
        return "peppol"
    if "en16931" in lowered:
        return "en16931"
    return ""


def _tax_total(root, currency: str):
    """BT-110's TaxTotal: the one in the document's currency (another may give BT-111)."""
    totals = _all(root, "cac:TaxTotal")
    for total in totals:
        amount = _find(total, "cbc:TaxAmount")
        if amount is not None and amount.get("currencyID") in (None, "", currency):
            return total
    return totals[0] if totals else None


def _party(party) -> Party:
    if party is None:
        return Party()
    vat, other_tax_id = "", ""
    for scheme in _all(party, "cac:PartyTaxScheme"):
        company_id = values.text(_text(scheme, "cbc:CompanyID"), 40)
        if (_text(scheme, "cac:TaxScheme/cbc:ID") or "").strip().upper() == "VAT" and not vat:
            vat = company_id
        elif not other_tax_id:
            other_tax_id = company_id
    legal = _find(party, "cac:PartyLegalEntity")
    legal_id = _find(legal, "cbc:CompanyID")
    siren, registration = "", ""
    if legal_id is not None:
        if (legal_id.get("schemeID") or "").strip() == "0002":
            siren = values.text(legal_id.text, 40)
        else:
            registration = values.text(legal_id.text, 40)
    name = values.text(_text(legal, "cbc:RegistrationName")) or values.text(
        _text(party, "cac:PartyName/cbc:Name")
    )
    email = _text(party, "cac:Contact/cbc:ElectronicMail")
    if not email:
        endpoint = _find(party, "cbc:EndpointID")
        if endpoint is not None and (endpoint.get("schemeID") or "").upper() == "EM":
            email = endpoint.text
    address = _find(party, "cac:PostalAddress")
    street = ", ".join(
        part
        for part in (
            values.text(_text(address, "cbc:StreetName")),
            values.text(_text(address, "cbc:AdditionalStreetName")),
            values.text(_text(address, "cac:AddressLine/cbc:Line")),
        )
        if part
    )
    return Party(
        name=name,
        vat_number=vat,
        siren=siren,
        registration=registration or other_tax_id,
        email=values.text(email),
        street=street[: values.NAME_MAX],
        city=values.text(_text(address, "cbc:CityName")),
        postal_code=values.text(_text(address, "cbc:PostalZone"), 20),
        country=values.text(_text(address, "cac:Country/cbc:IdentificationCode"), 2).upper(),
    )


def _line(line, quantity_name: str) -> Line:
    item = _find(line, "cac:Item")
    name = values.text(_text(item, "cbc:Name"), values.TEXT_MAX)
    description = values.text(_text(item, "cbc:Description"), values.TEXT_MAX)
    category = _find(item, "cac:ClassifiedTaxCategory")
    price = values.number(_text(line, "cac:Price/cbc:PriceAmount"), what=WHAT["price"])
    base = values.number(_text(line, "cac:Price/cbc:BaseQuantity"), what=WHAT["base_quantity"])
    quantity = values.number(_text(line, quantity_name), what=WHAT["quantity"])
    net = values.number(_text(line, "cbc:LineExtensionAmount"), what=WHAT["line_net"])
    return Line(
        description=name or description,
        quantity=quantity if quantity is not None else Decimal(1),
        unit_price=values.per_unit(price, base),
        net_amount=net if net is not None else Decimal(0),
        tax_rate=values.number(_text(category, "cbc:Percent"), what=WHAT["rate"]),
        tax_category=values.text(_text(category, "cbc:ID"), 3) or "S",
        note=description if name else "",
    )


def _tax(subtotal) -> TaxBreakdown:
    category = _find(subtotal, "cac:TaxCategory")
    return TaxBreakdown(
        rate=values.number(_text(category, "cbc:Percent"), what=WHAT["rate"]),
        category=values.text(_text(category, "cbc:ID"), 3) or "S",
        taxable_amount=_amount(_text(subtotal, "cbc:TaxableAmount"), "taxable"),
        tax_amount=_amount(_text(subtotal, "cbc:TaxAmount"), "tax"),
        exemption_reason=values.text(_text(category, "cbc:TaxExemptionReason"), values.TEXT_MAX),
    )


def _amount(value: str | None, what: str) -> Decimal:
    amount = values.number(value, what=WHAT[what])
    return amount if amount is not None else Decimal(0)


# BG-22's amounts, by what they are, as UBL names them.
TOTALS = {
    "line_total": "LineExtensionAmount",
    "tax_exclusive": "TaxExclusiveAmount",
    "tax_inclusive": "TaxInclusiveAmount",
    "prepaid": "PrepaidAmount",
    "rounding": "PayableRoundingAmount",
    "payable": "PayableAmount",
    "allowance_total": "AllowanceTotalAmount",
    "charge_total": "ChargeTotalAmount",
}


def _totals(root, currency: str) -> Totals:
    summary = _find(root, "cac:LegalMonetaryTotal")

    def total(name: str, what: str) -> Decimal | None:
        return values.number(_text(summary, f"cbc:{name}"), what=WHAT[what])

    tax_total = values.number(
        _text(_tax_total(root, currency), "cbc:TaxAmount"), what=WHAT["tax_total"]
    )
    found = {what: total(name, what) for what, name in TOTALS.items()}
    adjustments = (
        (
            (_text(entry, "cbc:ChargeIndicator") or "").strip().lower() == "true",
            _amount(_text(entry, "cbc:Amount"), "allowance"),
        )
        for entry in _all(root, "cac:AllowanceCharge")
    )
    return values.totals(found, tax_total, adjustments)
