"""`manage.py bills_ingest FILE… --company`: .eml, PDF and XML files → drafts, one line each."""

from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billpay.inbound.models import Draft

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _eml(tmp_path, *attachments, message_id="<cmd1@supplier.example>"):
    message = EmailMessage()
    message["From"] = "Supplier <billing@supplier.example>"
    message["To"] = "someone@example.com"
    message["Subject"] = "Two invoices"
    message["Message-ID"] = message_id
    message.set_content("Both attached.")
    for name, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype, subtype, filename=name)
    path = tmp_path / "mail.eml"
    path.write_bytes(message.as_bytes())
    return path


def _run(*args) -> list[str]:
    out = StringIO()
    call_command("bills_ingest", *[str(a) for a in args], stdout=out)
    return out.getvalue().splitlines()


def test_an_eml_with_two_attachments_makes_two_drafts(tmp_path, company):
    path = _eml(
        tmp_path,
        ("scan.pdf", PDF, "application", "pdf"),
        ("photo.png", PNG, "image", "png"),
    )
    lines = _run(path, "--company", company.pk)

    drafts = list(Draft.objects.filter(company=company).order_by("id"))
    assert [(d.file_name, d.source, d.kind) for d in drafts] == [
        ("scan.pdf", Draft.Source.COMMAND, Draft.Kind.FILE),
        ("photo.png", Draft.Source.COMMAND, Draft.Kind.FILE),
    ]
    assert drafts[0].sender == "Supplier <billing@supplier.example>"
    assert drafts[0].subject == "Two invoices"
    assert lines == [
        f"mail.eml > scan.pdf: draft #{drafts[0].pk}, file to complete",
        f"mail.eml > photo.png: draft #{drafts[1].pk}, file to complete",
    ]

    again = _run(path, "--company", company.name.upper())  # by name, any case
    assert Draft.objects.filter(company=company).count() == 2
    assert again[0].endswith("(already imported)")


def test_pdf_and_xml_files_each_get_their_line_and_a_refused_one_its_reason(tmp_path, company):
    pdf, xml = tmp_path / "scan.pdf", tmp_path / "notes.xml"
    pdf.write_bytes(PDF)
    xml.write_bytes(b"<notes>not an invoice</notes>")

    lines = _run(pdf, xml, "--company", company.pk)

    kept = Draft.objects.get(company=company, file_name="scan.pdf")
    assert lines[0] == f"scan.pdf: draft #{kept.pk}, file to complete"
    assert lines[1] == (
        "notes.xml: refused: This XML file is not an invoice or credit note (Factur-X, UBL or CII)."
    )
    assert Draft.objects.get(file_name="notes.xml").status == Draft.Status.REFUSED


def test_e_invoices_become_drafts_with_their_supplier_number_and_total(tmp_path, company):
    from billpay.inbound import samples

    paths = []
    for name, content in (samples.standard_rate(), samples.credit_note_ubl()):
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(path)

    lines = _run(*paths, "--company", company.pk)

    bill, credit = Draft.objects.filter(company=company).order_by("id")
    assert (bill.kind, bill.format, bill.status) == (Draft.Kind.BILL, "factur-x", Draft.Status.OPEN)
    assert credit.kind == Draft.Kind.CREDIT_NOTE and credit.format == "ubl"
    assert bill.reference and bill.total_amount > 0 and bill.supplier_name
    assert bill.attachment.file.read() == paths[0].read_bytes()
    assert lines[0].startswith(f"{paths[0].name}: draft #{bill.pk}")


def test_an_eml_without_attachment_says_so(tmp_path, company):
    lines = _run(_eml(tmp_path), "--company", company.pk)
    assert lines == ["mail.eml: refused: The email had no invoice attached."]


def test_a_missing_file_is_a_bad_argument_and_nothing_is_read(tmp_path, company):
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(PDF)
    with pytest.raises(CommandError, match="No such file: .*missing.pdf"):
        _run(pdf, tmp_path / "missing.pdf", "--company", company.pk)
    assert not Draft.objects.exists()


def test_an_unknown_company_is_a_bad_argument(tmp_path, company):
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(PDF)
    with pytest.raises(CommandError, match="No company"):
        _run(pdf, "--company", "Nobody Ltd")
    with pytest.raises(CommandError, match="No company"):
        _run(pdf, "--company", "999999")
    assert not Draft.objects.exists()


def test_samples_are_read_once_with_if_none(company):
    first = _run("--samples", "6", "--if-none", "--company", company.pk)
    drafts = Draft.objects.filter(company=company)
    assert drafts.count() == 6 and len(first) == 6
    assert set(drafts.values_list("kind", flat=True)) == {Draft.Kind.BILL, Draft.Kind.CREDIT_NOTE}
    assert not drafts.filter(status=Draft.Status.REFUSED).exists()

    again = _run("--samples", "6", "--if-none", "--company", company.pk)
    assert again == [f"{company.name} has drafts already: nothing read."]
    assert drafts.count() == 6


def test_nothing_to_read_is_a_bad_argument(company):
    with pytest.raises(CommandError, match="--samples"):
        _run("--company", company.pk)
