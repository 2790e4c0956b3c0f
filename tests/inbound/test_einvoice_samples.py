"""Each sample of the corpus reads to exactly what it says: numbers, dates, parties, lines, rates,
the VAT breakdown and the totals. The samples are built in memory (billpay.inbound.samples)."""

from datetime import date
from decimal import Decimal

import facturx
import pytest
from django.utils import translation
from lxml import etree

from billpay.inbound import samples
from billpay.inbound.einvoice import (
    CII,
    CREDIT_NOTE,
    FACTUR_X,
    INVOICE,
    UBL,
    Line,
    TaxBreakdown,
    Totals,
    parse,
)

D = Decimal


def english(document) -> list[str]:
    with translation.override("en"):
        return [str(w) for w in document.warnings]


def test_standard_rate_factur_x_pdf():
    name, content = samples.standard_rate()
    assert name == "FA-2026-0042.pdf" and content.startswith(b"%PDF-")
    document = parse(name, content)
    assert (document.format, document.kind, document.profile) == (FACTUR_X, INVOICE, "en16931")
    assert document.number == "FA-2026-0042"
    assert document.issue_date == date(2026, 3, 15)
    assert document.due_date == date(2026, 4, 14)
    assert document.payment_terms == "Paiement à 30 jours"
    assert document.currency == "EUR"
    supplier = document.supplier
    assert supplier.name == "Fournitures Dupont SAS"
    assert supplier.vat_number == "FR44732829320"
    assert supplier.siren == "732829320"
    assert supplier.email == "factures@fournitures-dupont.fr"
    assert (supplier.street, supplier.postal_code, supplier.city, supplier.country) == (
        "12 rue de la République",
        "75011",
        "Paris",
        "FR",
    )
    assert document.buyer.name == "Boulangerie Martin SARL"
    assert document.buyer.siren == "412345670"
    assert document.lines == (
        Line("Ramette papier A4 80 g", D("10"), D("4.50"), D("45.00"), D("20"), "S", "Carton de 5"),
        Line("Cartouche d'encre noire", D("2"), D("38.90"), D("77.80"), D("20"), "S"),
        # 1.20 per 100 staples (BT-149): 0.012 each.
        Line("Agrafes 26/6", D("250"), D("0.012"), D("3.00"), D("20"), "S"),
    )
    assert document.taxes == (TaxBreakdown(D("20"), "S", D("120.80"), D("24.16")),)
    assert document.totals == Totals(
        line_total=D("125.80"),
        tax_exclusive=D("120.80"),
        tax_amount=D("24.16"),
        tax_inclusive=D("144.96"),
        payable=D("144.96"),
        allowances=D("5.00"),
    )
    assert document.warnings == ()


def test_reduced_rates_cii_with_a_delivery_charge():
    document = parse(*samples.reduced_rates())
    assert (document.format, document.kind, document.number) == (CII, INVOICE, "CM-26-118")
    assert document.due_date == date(2026, 3, 31)
    assert document.supplier.vat_number == "FR07521458968"
    assert document.supplier.siren == "521458968"
    assert [
        (line.quantity, line.unit_price, line.net_amount, line.tax_rate) for line in document.lines
    ] == [
        (D("12"), D("18.40"), D("220.80"), D("5.5")),
        (D("1"), D("45.00"), D("45.00"), D("10")),
    ]
    # The 12.00 delivery charge is taxed at 5.5 % with the coffee: 232.80 → 12.80.
    assert document.taxes == (
        TaxBreakdown(D("5.5"), "S", D("232.80"), D("12.80")),
        TaxBreakdown(D("10"), "S", D("45.00"), D("4.50")),
    )
    totals = document.totals
    assert (totals.line_total, totals.charges, totals.tax_exclusive) == (
        D("265.80"),
        D("12.00"),
        D("277.80"),
    )
    assert (totals.tax_amount, totals.tax_inclusive, totals.payable) == (
        D("17.30"),
        D("295.10"),
        D("295.10"),
    )
    assert document.warnings == ()


def test_reverse_charge_ubl_from_germany():
    document = parse(*samples.reverse_charge())
    assert (document.format, document.kind, document.number) == (UBL, INVOICE, "RE-2026-00731")
    assert document.profile == "peppol"
    assert document.supplier.name == "Müller Maschinenbau GmbH"
    assert document.supplier.vat_number == "DE123456788"
    assert document.supplier.siren == ""  # not French
    assert document.supplier.country == "DE"
    assert [line.tax_category for line in document.lines] == ["AE", "AE"]
    assert document.lines[1] == Line(
        "Wartung vor Ort", D("6.5"), D("95.00"), D("617.50"), D("0"), "AE"
    )
    [tax] = document.taxes
    assert (tax.category, tax.rate, tax.taxable_amount, tax.tax_amount) == (
        "AE",
        D("0"),
        D("1853.50"),
        D("0.00"),
    )
    assert tax.exemption_reason.startswith("Autoliquidation")
    assert document.totals.tax_amount == D("0.00")
    assert document.totals.payable == D("1853.50")
    assert document.warnings == ()  # no tax on a reverse charge is no mismatch


def test_several_rates_on_one_factur_x_invoice_partly_prepaid():
    document = parse(*samples.several_rates())
    assert document.number == "IL/2026/0310"
    assert document.supplier.name == "Imprimerie Lefèvre & Fils"
    assert [(t.category, t.rate, t.taxable_amount, t.tax_amount) for t in document.taxes] == [
        ("S", D("5.5"), D("84.00"), D("4.62")),
        ("S", D("10"), D("187.50"), D("18.75")),
        ("S", D("20"), D("80.00"), D("16.00")),
        ("E", D("0"), D("27.80"), D("0.00")),
    ]
    assert document.taxes[3].exemption_reason == "Exonération article 261 du CGI"
    assert document.totals == Totals(
        line_total=D("379.30"),
        tax_exclusive=D("379.30"),
        tax_amount=D("39.37"),
        tax_inclusive=D("418.67"),
        prepaid=D("100.00"),
        payable=D("318.67"),
    )
    assert document.warnings == ()


def test_a_ubl_credit_note():
    document = parse(*samples.credit_note_ubl())
    assert (document.format, document.kind, document.number) == (UBL, CREDIT_NOTE, "AV-2026-0007")
    assert document.due_date is None
    assert document.supplier.vat_number == "FR19814553202"
    assert document.lines == (
        Line("Avoir - prestation non réalisée", D("1"), D("240.00"), D("240.00"), D("20"), "S"),
    )
    assert document.totals.payable == D("288.00")
    assert document.warnings == ()


def test_a_cii_credit_note_type_381():
    document = parse(*samples.credit_note_cii())
    assert (document.format, document.kind, document.number) == (CII, CREDIT_NOTE, "AV-2026-0012")
    assert document.totals.tax_inclusive == D("93.36")


def test_an_invoice_in_another_currency():
    document = parse(*samples.foreign_currency())
    assert document.currency == "GBP"
    assert document.supplier.vat_number == "GB980632116"  # checked by stdnum.gb.vat
    assert (document.issue_date, document.due_date) == (date(2026, 2, 2), date(2026, 3, 4))
    assert document.lines[0].tax_category == "G"
    assert document.totals.payable == D("108.75")
    assert document.warnings == ()


def test_a_minimum_profile_has_totals_only_and_asks_for_the_lines():
    document = parse(*samples.minimum_profile())
    assert (document.format, document.profile) == (FACTUR_X, "minimum")
    assert document.lines == () and document.taxes == ()
    assert document.supplier.vat_number == "FR89380129866"
    assert (document.totals.tax_exclusive, document.totals.tax_amount) == (D("120.00"), D("24.00"))
    assert document.totals.payable == D("144.00")
    assert english(document) == [
        "This e-invoice gives its totals but not its lines: type the lines on the draft."
    ]


def test_the_document_is_json_for_a_draft():
    data = parse(*samples.standard_rate()).to_json()
    assert data["totals"]["payable"] == "144.96"
    assert data["lines"][2]["unit_price"] == "0.012"
    assert data["issue_date"] == "2026-03-15"


@pytest.mark.parametrize("name", list(samples.SAMPLES))
def test_every_sample_is_valid_against_its_schema(name):
    """The corpus is real EN 16931 syntax: each XML passes the CII / UBL 2.1 XSD."""
    filename, content = samples.SAMPLES[name]()
    if content.startswith(b"%PDF-"):
        _embedded, content = facturx.get_xml_from_pdf(content, check_xsd=False)
    root = etree.fromstring(content)
    flavor = {
        "CrossIndustryInvoice": "factur-x",
        "Invoice": "ubl-2.1-invoice",
        "CreditNote": "ubl-2.1-creditnote",
    }[etree.QName(root).localname]
    assert facturx.xml_check_xsd(content, flavor=flavor)


def test_the_suppliers_vat_numbers_and_sirens_are_valid():
    for company in (*samples.SUPPLIERS, samples.BUYER):
        assert samples.valid_vat(company.vat), company
        if company.siren:
            assert company.vat.endswith(company.siren)


def test_mixed_makes_different_invoices_that_all_read_the_same_every_time():
    files = samples.mixed(24)
    assert files == samples.mixed(24)  # deterministic
    documents = [parse(name, content) for name, content in files]
    assert len({d.number for d in documents}) == 24
    assert {d.format for d in documents} == {FACTUR_X, CII, UBL}
    assert {d.kind for d in documents} == {INVOICE, CREDIT_NOTE}
    assert len({d.supplier.vat_number for d in documents}) == len(samples.SUPPLIERS)
    assert all(d.warnings == () for d in documents)
