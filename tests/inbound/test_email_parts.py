"""An email's parts → the files read: attachments and inline documents, not bodies or logos."""

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from billpay.inbound.email import message_files, message_id_of, message_recipients

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Supplier <billing@supplier.example>"
    message["To"] = "bills-abcdefgh12345678@inbound.example"
    message["Cc"] = "Boss <boss@example.com>"
    message["Message-ID"] = "<abc.123@supplier.example>"
    message["Subject"] = "Invoice"
    message.set_content("Please find our invoice attached.")
    message.add_alternative('<p>Invoice <img src="cid:logo"></p>', subtype="html")
    html = message.get_payload()[1]
    html.add_related(PNG, "image", "png", cid="<logo>", filename="logo.png", disposition="inline")
    message.add_attachment(PDF, "application", "pdf", filename="invoice-42.pdf")
    message.add_attachment(b"<Invoice/>", "application", "xml", filename="invoice-42.xml")
    return message


def test_attachments_are_files_and_bodies_and_logos_are_not():
    found = message_files(_message(), limit=20)
    assert [(f.name, f.content) for f in found.files] == [
        ("invoice-42.pdf", PDF),
        ("invoice-42.xml", b"<Invoice/>"),
    ]
    assert found.over_limit == []


def test_a_parsed_eml_gives_the_same_files_and_past_the_limit_are_kept_apart():
    raw = _message().as_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    found = message_files(parsed, limit=1)
    assert [f.name for f in found.files] == ["invoice-42.pdf"]
    assert [f.name for f in found.over_limit] == ["invoice-42.xml"]


def test_an_inline_pdf_without_a_name_is_a_file():
    message = EmailMessage()
    message.set_content(PDF, maintype="application", subtype="pdf", disposition="inline")
    del message["Content-Disposition"]
    message["Content-Disposition"] = "inline"
    [found] = message_files(message, limit=20).files
    assert found.name == "attachment.pdf" and found.content == PDF


def test_the_message_id_and_every_recipient_are_read():
    message = _message()
    assert message_id_of(message) == "abc.123@supplier.example"
    del message["Message-ID"]
    assert message_id_of(message, fallback="Postmark:uuid-1") == "Postmark:uuid-1"
    assert message_recipients(message) == [
        "bills-abcdefgh12345678@inbound.example",
        "boss@example.com",
    ]
