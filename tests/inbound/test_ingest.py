"""Files in → drafts: each file on its own, refused files keep their reason, plain files kept."""

from billpay.bills.models import BillAttachment
from billpay.inbound.models import Draft
from billpay.inbound.services import IncomingFile, inbound_ingest

PLAIN_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_a_plain_pdf_emailed_is_kept_to_complete_and_an_upload_is_refused(company, user):
    emailed = inbound_ingest(
        company=company,
        files=[IncomingFile("scan.pdf", PLAIN_PDF), IncomingFile("photo.png", PNG)],
        source=Draft.Source.EMAIL,
        sender="supplier@example.com",
        keep_plain_files=True,
    )
    assert [d.kind for d in emailed.drafts] == [Draft.Kind.FILE, Draft.Kind.FILE]
    kept = emailed.drafts[0]
    assert kept.attachment.content_type == "application/pdf"
    assert kept.attachment.file.read() == PLAIN_PDF
    assert kept.attachment.bill is None and kept.sender == "supplier@example.com"

    uploaded = inbound_ingest(
        company=company,
        files=[IncomingFile("scan.pdf", PLAIN_PDF)],
        source=Draft.Source.UPLOAD,
        actor=user,
    )
    assert uploaded.drafts == []
    [refused] = uploaded.refused
    assert refused.status == Draft.Status.REFUSED
    assert "no e-invoice inside" in refused.problem_text
    assert refused.created_by == user and refused.attachment is None


def test_an_oversized_file_is_refused_and_the_others_still_go_through(company, settings):
    settings.INBOUND_MAX_BYTES = 1024 * 1024
    outcome = inbound_ingest(
        company=company,
        files=[
            IncomingFile("huge.pdf", b"%PDF-" + b"0" * (1024 * 1024)),
            IncomingFile("ok.png", PNG),
        ],
        source=Draft.Source.EMAIL,
        keep_plain_files=True,
    )
    assert [d.file_name for d in outcome.refused] == ["huge.pdf"]
    assert "larger than 1 MB" in outcome.refused[0].problem_text
    assert [d.file_name for d in outcome.drafts] == ["ok.png"]
    assert BillAttachment.objects.filter(company=company).count() == 1
