"""The entry point: which format a file is in, and its reader. (Skeleton: readers to come.)"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from billpay.core.words import phrase
from billpay.inbound.einvoice.document import ParsedDocument, Refused


def parse(name: str, content: bytes) -> ParsedDocument:
    """Read one file (its bytes, whatever its name says) into a document.

    **Raises:** Refused, with a code and the reason in words.
    """
    if not content:
        raise Refused("empty", phrase(gettext_noop("The file is empty.")))
    if content.startswith(b"%PDF-"):
        raise Refused(
            "no_invoice_inside",
            phrase(gettext_noop("This PDF has no e-invoice inside (Factur-X or ZUGFeRD).")),
        )
    raise Refused(
        "unsupported",
        phrase(gettext_noop("This file is not an e-invoice BillPay can read.")),
    )
