"""What a read document is checked for: VAT numbers and SIRENs (python-stdnum), totals that do not
add up. Each problem is a warning with both amounts; the document is still read."""

from dataclasses import replace
from decimal import Decimal

from django.utils import translation

from billpay.inbound import samples
from billpay.inbound.einvoice import parse
from billpay.inbound.samples import Company, Item

D = Decimal


def english(document) -> list[str]:
    with translation.override("en"):
        return [str(w) for w in document.warnings]


def test_totals_that_do_not_add_up_are_warnings_with_both_amounts():
    document = parse(*samples.totals_off())
    assert document.number == "FA-2026-0099"  # still read: the user decides
    assert document.totals.line_total == D("50.00")
    assert document.totals.payable == D("65.00")
    assert english(document) == [
        "The lines add up to €45.00, but the invoice says the lines total €50.00.",
        "The lines total less discounts and plus charges makes €50.00, but the invoice's total "
        "without tax is €45.00.",
        "The total with tax less what was already paid makes €54.00, but the invoice's amount "
        "due is €65.00.",
    ]


def test_a_tax_that_is_not_the_rate_times_its_base_and_a_wrong_total_tax():
    name, content = samples.ubl_invoice(number="T-1")  # 45.00 at 20 % = 9.00
    content = content.replace(
        b'<cbc:TaxAmount currencyID="EUR">9.00</cbc:TaxAmount><cac:TaxCategory>',
        b'<cbc:TaxAmount currencyID="EUR">9.50</cbc:TaxAmount><cac:TaxCategory>',
    )
    document = parse(name, content)
    assert english(document) == [
        "The tax by rate adds up to €9.50, but the invoice's total tax is €9.00.",
        "Tax at 20 % on €45.00 makes €9.00, but the invoice says €9.50.",
    ]


def test_a_cent_of_rounding_in_the_breakdown_is_no_warning():
    name, content = samples.cii_invoice(
        items=[Item("Thé vert", D("3"), D("3.35"), rate=D("5.5"))]  # 10.05 × 5.5 % = 0.55275
    )
    content = content.replace(
        b"<ram:CalculatedAmount>0.55</ram:CalculatedAmount>",
        b"<ram:CalculatedAmount>0.56</ram:CalculatedAmount>",
    ).replace(b">0.55</ram:TaxTotalAmount>", b">0.56</ram:TaxTotalAmount>")
    content = content.replace(b"<ram:GrandTotalAmount>10.60<", b"<ram:GrandTotalAmount>10.61<")
    content = content.replace(b"<ram:DuePayableAmount>10.60<", b"<ram:DuePayableAmount>10.61<")
    document = parse(name, content)
    assert document.totals.tax_amount == D("0.56")
    assert english(document) == []


def test_an_invalid_vat_number_is_dropped_and_said():
    supplier = replace(samples.DUPONT, vat="FR00732829320")  # wrong key
    document = parse(*samples.ubl_invoice(supplier=supplier))
    assert document.supplier.vat_number == ""
    assert document.supplier.siren == "732829320"  # the SIREN given (scheme 0002) stays
    assert english(document) == ["The supplier's VAT number FR00732829320 is not valid."]


def test_the_siren_comes_from_a_french_vat_number_when_not_given():
    supplier = replace(samples.MOREAU, siren="")
    document = parse(*samples.cii_invoice(supplier=supplier))
    assert document.supplier.vat_number == "FR07521458968"
    assert document.supplier.siren == "521458968"
    assert document.warnings == ()


def test_an_invalid_siren_is_dropped_and_said_and_the_vat_number_gives_it():
    supplier = replace(samples.LEFEVRE, siren="380129867")  # Luhn fails
    document = parse(*samples.cii_invoice(supplier=supplier))
    assert document.supplier.siren == "380129866"  # from FR89380129866
    assert english(document) == ["The supplier's SIREN 380129867 is not valid."]


def test_a_vat_number_written_with_spaces_is_kept_compact():
    supplier = replace(samples.MULLER, vat="DE 123 456 788")
    document = parse(*samples.ubl_invoice(supplier=supplier))
    assert document.supplier.vat_number == "DE123456788"


def test_an_invalid_buyer_vat_number_is_said_too():
    buyer = Company("Client", vat="FR12345678901")
    document = parse(*samples.cii_invoice(buyer=buyer))
    assert document.buyer.vat_number == ""
    assert english(document) == ["The buyer's VAT number FR12345678901 is not valid."]


def test_a_line_without_a_tax_rate_is_said():
    document = parse(
        *samples.ubl_invoice(items=[Item("Sans taux", D(1), D("10.00"), rate=None, category="S")])
    )
    assert document.lines[0].tax_rate is None
    assert "Line 1 has no tax rate." in english(document)


def test_document_level_allowances_and_charges_are_kept_in_the_check():
    document = parse(
        *samples.ubl_invoice(
            items=[Item("Chaise", D(4), D("50.00"))], allowance=D("20.00"), charge=D("15.00")
        )
    )
    totals = document.totals
    assert (totals.line_total, totals.allowances, totals.charges, totals.tax_exclusive) == (
        D("200.00"),
        D("20.00"),
        D("15.00"),
        D("195.00"),
    )
    assert document.warnings == ()


def test_the_siren_comes_from_a_siret_when_that_is_the_registration_given():
    name, content = samples.cii_invoice(supplier=replace(samples.DUPONT, vat="", siren="732829320"))
    content = content.replace(
        b'<ram:ID schemeID="0002">732829320</ram:ID>',
        b'<ram:ID schemeID="0009">73282932000074</ram:ID>',
    )
    document = parse(name, content)
    assert document.supplier.registration == "73282932000074"
    assert document.supplier.siren == "732829320"
