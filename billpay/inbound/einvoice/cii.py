"""UN/CEFACT Cross Industry Invoice (CII D16B), as Factur-X / ZUGFeRD 2 embed it: EN 16931 fields."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from billpay.inbound.einvoice import values
from billpay.inbound.einvoice.document import (
    CII,
    CREDIT_NOTE,
    INVOICE,
    Line,
    ParsedDocument,
    Party,
    TaxBreakdown,
    Totals,
)
from billpay.inbound.einvoice.fields import WHAT

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ROOT = f"{{{RSM}}}CrossIndustryInvoice"
NS = {
    "rsm": RSM,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
# UNTDID 1001: what the document is. Credit notes (and the self-billed / corrective ones).
CREDIT_NOTE_CODES = {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
INVOICE_CODES = {
    "80", "82", "84", "130", "202", "203", "204", "211", "218", "219", "295", "325", "326",
    "380", "383", "384", "385", "386", "387", "388", "389", "390", "393", "394", "395", "456",
    "457", "527", "575", "623", "633", "751", "780", "875", "876", "877", "935",
}  # fmt: skip
# Factur-X guideline ids (BT-24) → profile.
PROFILES = (
    ("extended", "extended"),
    ("basicwl", "basicwl"),
    ("basic", "basic"),
    ("minimum", "minimum"),
    ("xrechnung", "xrechnung"),
    ("en16931", "en16931"),
)


def _find(element, path: str):
    return element.find(path, NS) if element is not None else None


def _text(element, path: str) -> str | None:
    found = _find(element, path)
    return found.text if found is not None else None


def _all(element, path: str) -> list:
    return element.findall(path, NS) if element is not None else []


def type_code(root: etree._Element) -> str:
    return (_text(root, "rsm:ExchangedDocument/ram:TypeCode") or "").strip()


def is_invoice(root: etree._Element) -> bool:
    code = type_code(root)
    return code in CREDIT_NOTE_CODES or code in INVOICE_CODES or code == ""


def profile_of(root: etree._Element) -> str:
    guideline = (
        _text(
            root,
            "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        )
        or ""
    ).lower()
    for marker, profile in PROFILES:
        if marker in guideline:
            return profile
    return ""


def read(root: etree._Element, *, format: str = CII) -> ParsedDocument:
    """The EN 16931 fields of a CII document (`format`: CII, or FACTUR_X when from a PDF)."""
    document = _find(root, "rsm:ExchangedDocument")
    transaction = _find(root, "rsm:SupplyChainTradeTransaction")
    agreement = _find(transaction, "ram:ApplicableHeaderTradeAgreement")
    settlement = _find(transaction, "ram:ApplicableHeaderTradeSettlement")
    currency = values.currency(_text(settlement, "ram:InvoiceCurrencyCode"))
    issue = _find(document, "ram:IssueDateTime/udt:DateTimeString")
    terms = _all(settlement, "ram:SpecifiedTradePaymentTerms")
    due_date = None
    payment_terms = []
    for term in terms:
        due = _find(term, "ram:DueDateDateTime/udt:DateTimeString")
        if due is not None and due_date is None:
            due_date = values.cii_date(due.text, due.get("format"), what=WHAT["due_date"])
        if description := values.text(_text(term, "ram:Description"), values.TEXT_MAX):
            payment_terms.append(description)
    return ParsedDocument(
        format=format,
        kind=CREDIT_NOTE if type_code(root) in CREDIT_NOTE_CODES else INVOICE,
        number=values.text(_text(document, "ram:ID")),
        issue_date=(
            values.cii_date(issue.text, issue.get("format"), what=WHAT["issue_date"])
            if issue is not None
            else None
        ),
        due_date=due_date,
        currency=currency,
        supplier=_party(_find(agreement, "ram:SellerTradeParty")),
        buyer=_party(_find(agreement, "ram:BuyerTradeParty")),
        lines=tuple(
            _line(item) for item in _all(transaction, "ram:IncludedSupplyChainTradeLineItem")
        ),
        taxes=tuple(_tax(tax) for tax in _all(settlement, "ram:ApplicableTradeTax")),
        totals=_totals(settlement, currency),
        payment_terms=" ".join(payment_terms)[: values.TEXT_MAX],
        profile=profile_of(root),
    )


def _party(party) -> Party:
    if party is None:
        return Party()
    vat = ""
    other_tax_id = ""
    for registration in _all(party, "ram:SpecifiedTaxRegistration/ram:ID"):
        scheme = (registration.get("schemeID") or "").upper()
        if scheme == "VA" and not vat:
            vat = values.text(registration.text, 40)
        elif not other_tax_id:
            other_tax_id = values.text(registration.text, 40)
    legal = _find(party, "ram:SpecifiedLegalOrganization/ram:ID")
    siren, registration = "", ""
    if legal is not None:
        if (legal.get("schemeID") or "").strip() == "0002":
            siren = values.text(legal.text, 40)
        else:
            registration = values.text(legal.text, 40)
    email = _text(party, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID")
    if not email:
        uri = _find(party, "ram:URIUniversalCommunication/ram:URIID")
        if uri is not None and (uri.get("schemeID") or "").upper() == "EM":
            email = uri.text
    address = _find(party, "ram:PostalTradeAddress")
    street = ", ".join(
        part
        for part in (
            values.text(_text(address, f"ram:{name}"))
            for name in ("LineOne", "LineTwo", "LineThree")
        )
        if part
    )
    return Party(
        name=values.text(_text(party, "ram:Name")),
        vat_number=vat,
        siren=siren,
        registration=registration or other_tax_id,
        email=values.text(email),
        street=street[: values.NAME_MAX],
        city=values.text(_text(address, "ram:CityName")),
        postal_code=values.text(_text(address, "ram:PostcodeCode"), 20),
        country=values.text(_text(address, "ram:CountryID"), 2).upper(),
    )


def _line(item) -> Line:
    product = _find(item, "ram:SpecifiedTradeProduct")
    name = values.text(_text(product, "ram:Name"), values.TEXT_MAX)
    description = values.text(_text(product, "ram:Description"), values.TEXT_MAX)
    agreement = _find(item, "ram:SpecifiedLineTradeAgreement")
    net_price = _find(agreement, "ram:NetPriceProductTradePrice")
    price = values.number(_text(net_price, "ram:ChargeAmount"), what=WHAT["price"])
    base = values.number(_text(net_price, "ram:BasisQuantity"), what=WHAT["base_quantity"])
    quantity = values.number(
        _text(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"), what=WHAT["quantity"]
    )
    settlement = _find(item, "ram:SpecifiedLineTradeSettlement")
    tax = _find(settlement, "ram:ApplicableTradeTax")
    net = values.number(
        _text(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"),
        what=WHAT["line_net"],
    )
    return Line(
        description=name or description,
        quantity=quantity if quantity is not None else Decimal(1),
        unit_price=values.per_unit(price, base),
        net_amount=net if net is not None else Decimal(0),
        tax_rate=values.number(_text(tax, "ram:RateApplicablePercent"), what=WHAT["rate"]),
        tax_category=values.text(_text(tax, "ram:CategoryCode"), 3) or "S",
        note=description if name else "",
    )


def _tax(tax) -> TaxBreakdown:
    return TaxBreakdown(
        rate=values.number(_text(tax, "ram:RateApplicablePercent"), what=WHAT["rate"]),
        category=values.text(_text(tax, "ram:CategoryCode"), 3) or "S",
        taxable_amount=_amount(_text(tax, "ram:BasisAmount"), "taxable"),
        tax_amount=_amount(_text(tax, "ram:CalculatedAmount"), "tax"),
        exemption_reason=values.text(_text(tax, "ram:ExemptionReason"), values.TEXT_MAX),
    )


def _amount(value: str | None, what: str) -> Decimal:
    amount = values.number(value, what=WHAT[what])
    return amount if amount is not None else Decimal(0)


# BG-22's amounts, by what they are, as CII names them.
TOTALS = {
    "line_total": "LineTotalAmount",
    "tax_exclusive": "TaxBasisTotalAmount",
    "tax_inclusive": "GrandTotalAmount",
    "prepaid": "TotalPrepaidAmount",
    "rounding": "RoundingAmount",
    "payable": "DuePayableAmount",
    "allowance_total": "AllowanceTotalAmount",
    "charge_total": "ChargeTotalAmount",
}


def _totals(settlement, currency: str) -> Totals:
    summary = _find(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")

    def total(name: str, what: str) -> Decimal | None:
        return values.number(_text(summary, f"ram:{name}"), what=WHAT[what])

    # BT-110 in the invoice's currency (BT-111, the same tax in the accounting currency, may follow).
    tax_total = None
    for element in _all(summary, "ram:TaxTotalAmount"):
        if element.get("currencyID") in (None, "", currency):
            tax_total = values.number(element.text, what=WHAT["tax_total"])
            break
    found = {what: total(name, what) for what, name in TOTALS.items()}
    adjustments = (
        (
            (_text(entry, "ram:ChargeIndicator/udt:Indicator") or "").strip().lower() == "true",
            _amount(_text(entry, "ram:ActualAmount"), "allowance"),
        )
        for entry in _all(settlement, "ram:SpecifiedTradeAllowanceCharge")
    )
    return values.totals(found, tax_total, adjustments)
