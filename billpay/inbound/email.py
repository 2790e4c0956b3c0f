"""An email (from a provider's webhook, or an .eml file) → the files BillPay reads, and who
sent it about what.

Works on any `email.message.EmailMessage` (policy=default): django-anymail's
`AnymailInboundMessage` is one, and so is what `email.message_from_bytes(..., policy=default)`
returns for an .eml file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses

from billpay.inbound.services.ingest import IncomingFile

# Headers that may carry the inbound address (the envelope recipient is added by the webhook).
RECIPIENT_HEADERS = ("To", "Cc", "Bcc", "Delivered-To", "X-Original-To", "X-Forwarded-To")


@dataclass
class MessageFiles:
    files: list[IncomingFile] = field(default_factory=list)  # to read, in the message's order
    over_limit: list[IncomingFile] = field(default_factory=list)  # past the N-th: not read


def message_files(message: Message, *, limit: int) -> MessageFiles:
    """The attachments, and the inline parts that are files (a PDF shown in the body), in order.

    Not files: the text and HTML bodies, and pictures placed in the body by Content-ID with no
    "attachment" disposition (logos in signatures). A forwarded email's own attachments count
    (`walk` goes into attached messages). At most `limit` are read; the others are kept apart
    so the user hears about them.
    """
    found = MessageFiles()
    for part in message.walk():
        if part.is_multipart() or not _is_file(part):
            continue
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes):
            continue
        incoming = IncomingFile(
            name=_filename(part), content=content, content_type=part.get_content_type()
        )
        (found.files if len(found.files) < limit else found.over_limit).append(incoming)
    return found


def message_sender(message: Message) -> str:
    """The From header as one line ("Name <address>"), for the draft."""
    return _one_line(message.get("From", ""))


def message_subject(message: Message) -> str:
    return _one_line(message.get("Subject", ""))


def message_recipients(message: Message) -> list[str]:
    """Every address the message names as a recipient, plus the provider's envelope recipient."""
    values = [str(v) for name in RECIPIENT_HEADERS for v in (message.get_all(name) or [])]
    addresses = [addr for _name, addr in getaddresses(values) if addr]
    envelope = getattr(message, "envelope_recipient", None)  # set by anymail's webhooks
    if envelope:
        addresses.insert(0, str(envelope))
    return addresses


def message_id_of(message: Message, *, fallback: str = "") -> str:
    """The Message-ID header without its angle brackets (what a retried delivery repeats), else
    the provider's own id of the event; "" when neither (no retry protection then)."""
    value = _one_line(message.get("Message-ID", "")).strip("<> ")
    return (value or fallback)[:300]


def _is_file(part: Message) -> bool:
    disposition = part.get_content_disposition()  # "attachment", "inline" or None
    content_type = part.get_content_type()
    if disposition == "attachment":
        return True
    if part.get_filename():
        # An inline picture referenced from the HTML body is decoration, not a bill.
        return not (content_type.startswith("image/") and part.get("Content-ID"))
    # No name, not marked as an attachment: the body, unless it is plainly a document.
    return content_type in ("application/pdf", "application/xml", "text/xml")


def _filename(part: Message) -> str:
    name = part.get_filename() or ""
    if name:
        return name
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        part.get_content_type(), ".xml" if part.get_content_type().endswith("xml") else ""
    )
    return f"attachment{extension}"


def _one_line(value) -> str:
    return " ".join(str(value or "").split())
