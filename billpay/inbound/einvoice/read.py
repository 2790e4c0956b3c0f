"""The entry point: which format a file is in (from its bytes, never its name), and its reader."""

from __future__ import annotations

import io
import logging
import sys
from dataclasses import replace

from django.conf import settings
from django.utils.translation import gettext_noop
from pypdf import PdfReader

from billpay.core.words import phrase
from billpay.inbound.einvoice import cii, ubl
from billpay.inbound.einvoice.checks import checked
from billpay.inbound.einvoice.document import CII, FACTUR_X, ParsedDocument, Refused
from billpay.inbound.einvoice.xml import too_large, xml_root

logger = logging.getLogger(__name__)

# The names Factur-X / ZUGFeRD 2 / XRechnung give the embedded XML, in the order we look.
EMBEDDED_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")  # any case
ZUGFERD_1_ROOT = "{urn:ferd:CrossIndustryDocument:invoice:1p0}CrossIndustryDocument"
_XML_START = (b"<?xml", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"<")


def parse(name: str, content: bytes) -> ParsedDocument:
    """Read one file (its bytes, whatever its name says) into a document.

    **Raises:** Refused, with a code and the reason in words.
    """
    if not content:
        raise Refused("empty", phrase(gettext_noop("The file is empty.")))
    if len(content) > settings.INBOUND_MAX_BYTES:
        raise too_large()
    if content.startswith(b"%PDF-"):
        return checked(_read_root(_embedded_root(content), embedded=True))
    if content.lstrip(b" \t\r\n").startswith(_XML_START):
        return checked(_read_root(xml_root(content), embedded=False))
    raise Refused(
        "unsupported",
        phrase(gettext_noop("This file is not an e-invoice BillPay can read.")),
    )


def _not_invoice() -> Refused:
    return Refused(
        "not_invoice",
        phrase(
            gettext_noop("This XML file is not an invoice or credit note (Factur-X, UBL or CII).")
        ),
    )


def _read_root(root, *, embedded: bool) -> ParsedDocument:
    if root.tag == cii.ROOT:
        if not cii.is_invoice(root):
            raise _not_invoice()
        return cii.read(root, format=FACTUR_X if embedded else CII)
    if root.tag in (ubl.INVOICE_ROOT, ubl.CREDIT_NOTE_ROOT):
        document = ubl.read(root)
        # UBL inside a PDF (rare, but XRechnung senders do it): the file is a PDF, and
        # `format` says what the file is (the draft keeps it as a PDF).
        return replace(document, format=FACTUR_X) if embedded else document
    if root.tag == ZUGFERD_1_ROOT:
        # "unsupported": emailed, the file is still kept for the user to complete.
        raise Refused(
            "unsupported",
            phrase(
                gettext_noop(
                    "This is a ZUGFeRD 1.0 invoice, an older format BillPay does not read: "
                    "type the bill, or ask the supplier for Factur-X or UBL."
                )
            ),
        )
    if embedded:
        raise _no_invoice_inside()
    raise _not_invoice()


def _no_invoice_inside() -> Refused:
    return Refused(
        "no_invoice_inside",
        phrase(gettext_noop("This PDF has no e-invoice inside (Factur-X or ZUGFeRD).")),
    )


def _embedded_root(content: bytes):
    """The e-invoice XML a Factur-X / ZUGFeRD PDF carries (read in memory, bounded).

    pypdf directly rather than `facturx.get_xml_from_pdf`: that one parses each attachment
    with lxml's default parser (entities resolved) before we could refuse it, and has no
    size limit.
    """
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        attachments = [
            (attachment.name or "", attachment)
            for attachment in reader.attachment_list
            if (attachment.name or "").lower().endswith(".xml")
        ]
    except Exception:  # pypdf on hostile bytes can raise nearly anything: it did not open
        logger.info("An unreadable PDF: %s", sys.exc_info()[1])
        # Code "no_invoice_inside", not "malformed": a PDF pypdf cannot open (a scan from an odd
        # printer) is still kept as a file when it arrives by email; it carries nothing we read.
        raise Refused(
            "no_invoice_inside",
            phrase(
                gettext_noop(
                    "This PDF may be damaged: it has no e-invoice inside that BillPay can read."
                )
            ),
        ) from None
    if not attachments:
        raise _no_invoice_inside()

    def rank(item) -> int:
        lowered = item[0].lower()
        return EMBEDDED_NAMES.index(lowered) if lowered in EMBEDDED_NAMES else len(EMBEDDED_NAMES)

    refusal = None
    for _name, attachment in sorted(attachments, key=rank):
        try:
            data = attachment.content
        except Exception:  # a broken stream: try the next attachment
            logger.info("An unreadable PDF attachment: %s", sys.exc_info()[1])
            continue
        if len(data) > settings.INBOUND_MAX_BYTES:
            raise too_large()
        try:
            root = xml_root(data)
        except Refused as refused:
            if refused.code in ("unsafe", "too_large"):
                raise
            refusal = refusal or refused
            continue
        if root.tag in (cii.ROOT, ubl.INVOICE_ROOT, ubl.CREDIT_NOTE_ROOT, ZUGFERD_1_ROOT):
            return root
    if refusal is not None:
        raise refusal
    raise _no_invoice_inside()
