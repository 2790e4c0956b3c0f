"""Hostile files are refused with their reason, and reading them never reads a local file nor opens
a connection: external entities, entity expansion, huge files, PDFs without an invoice, XML that
is no invoice, amounts that are not numbers."""

import contextlib
import socket
import time
from decimal import Decimal

import pytest
from django.utils import translation
from lxml import etree

from billpay.inbound import samples
from billpay.inbound.einvoice import Refused, parse
from billpay.inbound.einvoice.xml import _parser

SECRET = "s3cr3t-from-the-server-disk"


@pytest.fixture
def no_sockets(monkeypatch):
    """Python-level connections fail the test."""

    def refuse(*args, **kwargs):
        pytest.fail(f"a connection was opened: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture
def listener():
    """A local server that would see any connection, even one made from C (libxml2)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    yield server
    server.close()


def assert_nobody_called(server):
    with pytest.raises(TimeoutError):
        connection, _ = server.accept()
        connection.close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def refusal(name, content) -> Refused:
    with pytest.raises(Refused) as caught:
        parse(name, content)
    return caught.value


def words(refused: Refused) -> str:
    with translation.override("en"):
        return str(refused.phrase)


@pytest.mark.parametrize("path", ["/etc/passwd", None])
def test_an_external_entity_to_a_local_file_is_refused_unread(path, secret_file, no_sockets):
    name, content = samples.xxe_file(path or str(secret_file))
    refused = refusal(name, content)
    assert refused.code == "unsafe"
    assert words(refused) == (
        "This file declares a document type or entities, which e-invoices never do: it was not "
        "read, for safety."
    )
    assert SECRET not in str(refused) and "root:" not in str(refused)


def test_an_external_entity_over_http_is_refused_and_no_connection_is_made(listener, no_sockets):
    port = listener.getsockname()[1]
    refused = refusal(*samples.xxe_http(f"http://127.0.0.1:{port}/collect"))
    assert refused.code == "unsafe"
    assert_nobody_called(listener)


def test_the_parser_itself_neither_reads_files_nor_connects(secret_file, listener, no_sockets):
    """Behind the DOCTYPE refusal, the parser is hardened too (defence in depth)."""
    port = listener.getsockname()[1]
    _name, content = samples.xxe_file(str(secret_file))
    try:
        tree = etree.fromstring(content, parser=_parser())
        assert SECRET not in etree.tostring(tree).decode()
    except etree.XMLSyntaxError:
        pass  # refusing is as good
    _name, content = samples.xxe_http(f"http://127.0.0.1:{port}/collect")
    with contextlib.suppress(etree.XMLSyntaxError):
        etree.fromstring(content, parser=_parser())
    assert_nobody_called(listener)


def test_a_doctype_in_utf16_is_refused_too(secret_file):
    _name, content = samples.xxe_file(str(secret_file))
    utf16 = content.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert refusal("x.xml", utf16).code == "unsafe"


def test_billion_laughs_is_refused_at_once():
    started = time.perf_counter()
    refused = refusal(*samples.billion_laughs())
    assert refused.code == "unsafe"
    assert time.perf_counter() - started < 1


def test_an_unsafe_xml_inside_a_pdf_is_refused(secret_file, no_sockets):
    _name, xml = samples.xxe_file(str(secret_file))
    refused = refusal(*samples.pdf_with(xml))
    assert refused.code == "unsafe"
    assert SECRET not in str(refused)


def test_a_huge_file_is_refused(settings):
    settings.INBOUND_MAX_BYTES = 1024 * 1024
    refused = refusal(*samples.huge_file(2 * 1024 * 1024))
    assert refused.code == "too_large"
    assert words(refused) == "The file is larger than 1 MB."


def test_a_small_pdf_with_a_huge_xml_inside_is_refused(settings):
    settings.INBOUND_MAX_BYTES = 1024 * 1024
    name, content = samples.huge_inside_pdf(2 * 1024 * 1024)
    assert len(content) < 100_000  # compressed: only the extracted XML is over the limit
    assert refusal(name, content).code == "too_large"


def test_a_pdf_without_an_invoice_inside():
    refused = refusal(*samples.pdf_without_xml())
    assert refused.code == "no_invoice_inside"
    assert words(refused) == "This PDF has no e-invoice inside (Factur-X or ZUGFeRD)."


def test_a_pdf_with_another_xml_attached_has_no_invoice_inside():
    _name, rss = samples.not_an_invoice()
    assert refusal(*samples.pdf_with(rss, name="feed.xml")).code == "no_invoice_inside"


def test_a_damaged_pdf_has_no_invoice_inside_and_says_it_may_be_damaged():
    refused = refusal("scan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    assert refused.code == "no_invoice_inside"
    assert "no e-invoice inside" in words(refused)


def test_a_broken_xml_inside_a_pdf_is_malformed():
    assert refusal(*samples.pdf_with(b"<rsm:CrossIndustryInvoice")).code == "malformed"


@pytest.mark.parametrize("sample", [samples.not_an_invoice, samples.order_x])
def test_an_xml_that_is_no_invoice(sample):
    refused = refusal(*sample())
    assert refused.code == "not_invoice"
    assert (
        words(refused) == "This XML file is not an invoice or credit note (Factur-X, UBL or CII)."
    )


def test_a_cii_document_that_is_no_invoice_type():
    name, content = samples.cii_invoice()
    content = content.replace(
        b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:TypeCode>220</ram:TypeCode>"
    )
    assert refusal(name, content).code == "not_invoice"


def test_an_amount_that_is_not_a_number_is_malformed():
    refused = refusal(*samples.non_number_amount())
    assert refused.code == "malformed"
    assert words(refused) == "In this e-invoice, the amount due is not a number: “54,00 EUR”."


@pytest.mark.parametrize(
    "value", [b"1e3", b"NaN", b"Infinity", b"1_000", b"\xd9\xa1\xd9\xa2", b"12.5.1"]
)
def test_numbers_are_read_strictly(value):
    name, content = samples.ubl_invoice()
    content = content.replace(b'unitCode="C62">10<', b'unitCode="C62">' + value + b"<")
    refused = refusal(name, content)
    assert refused.code == "malformed"
    assert "a line's quantity is not a number" in words(refused)


def test_a_date_that_is_no_date_is_malformed():
    name, content = samples.cii_invoice()
    content = content.replace(b">20260315<", b">20261340<")
    refused = refusal(name, content)
    assert refused.code == "malformed"
    assert words(refused) == "In this e-invoice, the invoice date is not a date: “20261340”."


def test_broken_xml_is_malformed():
    name, content = samples.ubl_invoice()
    assert refusal(name, content[: len(content) // 2]).code == "malformed"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "unsupported"),
        (b"PK\x03\x04 a zip", "unsupported"),
        (b"Invoice number 12, total 100 EUR", "unsupported"),
    ],
)
def test_other_files(content, code):
    assert refusal("invoice.xml", content).code == code


def test_the_name_does_not_decide():
    name, content = samples.reverse_charge()
    assert parse("invoice.pdf", content).number == "RE-2026-00731"
    _name, pdf = samples.standard_rate()
    assert parse("invoice.xml", pdf).number == "FA-2026-0042"


def test_long_texts_are_bounded():
    long_name = "Fournisseur " * 100
    supplier = samples.Company(long_name, email="x@example.com")
    document = parse(*samples.ubl_invoice(supplier=supplier, number="N" * 500))
    assert len(document.supplier.name) == 300
    assert document.number == "N" * 300


def test_a_zugferd_1_invoice_is_said_to_be_an_older_format():
    zugferd = (
        b'<?xml version="1.0"?><rsm:CrossIndustryDocument '
        b'xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>'
    )
    for name, content in (
        ("old.xml", zugferd),
        samples.pdf_with(zugferd, name="ZUGFeRD-invoice.xml"),
    ):
        refused = refusal(name, content)
        assert refused.code == "unsupported"
        assert "ZUGFeRD 1.0" in words(refused)


def test_a_ubl_invoice_inside_a_pdf_is_read_as_a_pdf():
    _name, xml = samples.reverse_charge()
    document = parse(*samples.pdf_with(xml, name="xrechnung.xml"))
    assert (document.format, document.number) == ("factur-x", "RE-2026-00731")
    assert document.totals.payable == Decimal("1853.50")


def test_totals_that_add_up_past_what_a_bill_can_hold_are_refused(company):
    """Each amount is at most 15 digits, but the total with tax it leaves out (tax exclusive +
    tax) would not fit a bill's amount columns: refused with words, not a 500 when stored."""
    import re

    from billpay.inbound.models import Draft
    from billpay.inbound.services import IncomingFile, inbound_ingest

    name, content = samples.ubl_invoice()
    huge = b"999999999999999.99"
    for tag in (b"TaxExclusiveAmount", b"TaxAmount"):
        content = re.sub(rb"(<cbc:" + tag + rb" [^>]*>)[^<]*", rb"\g<1>" + huge, content)
    for tag in (b"TaxInclusiveAmount", b"PayableAmount"):
        content = re.sub(rb"<cbc:" + tag + rb" [^>]*>[^<]*</cbc:" + tag + rb">", b"", content)

    refused = refusal(name, content)
    assert refused.code == "malformed"
    assert words(refused) == (
        "In this e-invoice, the total with tax is too large: “1999999999999999.98”."
    )
    outcome = inbound_ingest(
        company=company, files=[IncomingFile(name, content)], source=Draft.Source.UPLOAD
    )
    assert [d.status for d in outcome.refused] == [Draft.Status.REFUSED]
