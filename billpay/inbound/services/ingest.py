"""Files in (uploaded, emailed or from the command line) → drafts, each on its own.

One file never stops another: each is read and stored in its own transaction, and a file that
is refused becomes a refused draft with the reason (its bytes are not kept).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext_noop

from billpay.bills.forms.rules import sniff_content_type
from billpay.bills.services.create.attachments import bill_attachment_stash
from billpay.bills.services.create.common import user_or_none
from billpay.core.words import phrase, store
from billpay.inbound import einvoice
from billpay.inbound.models import Draft
from billpay.inbound.services.matching import SupplierIndex, supplier_index, supplier_match

if TYPE_CHECKING:
    from billpay.core.services import Actor
    from billpay.onboarding.models import Company

logger = logging.getLogger(__name__)

XML_TYPE = "application/xml"


@dataclass(frozen=True)
class IncomingFile:
    name: str
    content: bytes
    content_type: str = ""  # as the sender declared it: never trusted, the bytes decide


@dataclass
class IngestOutcome:
    drafts: list[Draft] = field(default_factory=list)  # read, or kept to complete
    refused: list[Draft] = field(default_factory=list)  # with their reasons


def inbound_ingest(
    *,
    company: Company,
    files: Iterable[IncomingFile],
    source: str,
    actor: Actor = None,
    sender: str = "",
    subject: str = "",
    keep_plain_files: bool = False,
) -> IngestOutcome:
    """Read each file into a draft; refuse what cannot be read, with the reason.

    `keep_plain_files`: a PDF without an e-invoice inside, or an image, becomes a draft with
    only its file, for the user to complete (email-in); otherwise it is refused (an upload:
    the user is there to read why and type the bill).
    **Transaction:** one per file.
    """
    outcome = IngestOutcome()
    suppliers = _LazyIndex(company)
    for incoming in files:
        draft = _ingest_one(
            company,
            incoming,
            source,
            actor,
            sender[:300],
            subject[:300],
            keep_plain_files,
            suppliers,
        )
        (outcome.refused if draft.status == Draft.Status.REFUSED else outcome.drafts).append(draft)
    return outcome


class _LazyIndex:
    """The company's suppliers read once per call, and only when a document needs them."""

    def __init__(self, company: Company) -> None:
        self.company, self.index = company, None

    def get(self) -> SupplierIndex:
        if self.index is None:
            self.index = supplier_index(company=self.company)
        return self.index


def _ingest_one(company, incoming, source, actor, sender, subject, keep_plain, suppliers) -> Draft:
    base = {
        "company": company,
        "source": source,
        "file_name": safe_file_name(incoming.name),
        "sha256": hashlib.sha256(incoming.content).hexdigest(),
        "sender": sender,
        "subject": subject,
        "created_by": user_or_none(actor),
    }
    if len(incoming.content) > settings.INBOUND_MAX_BYTES:
        return _refuse(
            base,
            einvoice.Refused(
                "too_large",
                phrase(
                    gettext_noop("The file is larger than %(limit)s MB."),
                    limit=settings.INBOUND_MAX_BYTES // (1024 * 1024),
                ),
            ),
        )
    try:
        document = einvoice.parse(incoming.name, incoming.content)
    except einvoice.Refused as refused:
        plain_type = sniff_content_type(incoming.content[:16])
        if keep_plain and plain_type and refused.code in ("no_invoice_inside", "unsupported"):
            return _keep_file(base, actor, incoming, plain_type)
        return _refuse(base, refused)
    except Exception:  # a reader's bug must not lose the other files, nor hide this one
        logger.exception("Reading %r failed", incoming.name)
        return _refuse(
            base,
            einvoice.Refused(
                "malformed", phrase(gettext_noop("BillPay could not read this file."))
            ),
        )
    return _keep_document(base, actor, incoming, document, suppliers.get())


def _keep_document(base: dict, actor, incoming: IncomingFile, document, index) -> Draft:
    supplier, _how = supplier_match(company=base["company"], party=document.supplier, index=index)
    content_type = "application/pdf" if document.format == einvoice.FACTUR_X else XML_TYPE
    with transaction.atomic():
        return Draft.objects.create(
            **base,
            kind=(
                Draft.Kind.CREDIT_NOTE if document.kind == einvoice.CREDIT_NOTE else Draft.Kind.BILL
            ),
            format=document.format,
            attachment=_stash(base, actor, incoming, content_type),
            data=document.to_json(),
            warnings=[w.to_json() for w in document.warnings],
            supplier=supplier,
            supplier_name=document.supplier.name[:300],
            reference=document.number[:300],
            issue_date=document.issue_date,
            due_date=document.due_date,
            currency=document.currency[:3],
            total_amount=document.totals.payable,
        )


def _keep_file(base: dict, actor, incoming: IncomingFile, content_type: str) -> Draft:
    with transaction.atomic():
        return Draft.objects.create(
            **base,
            kind=Draft.Kind.FILE,
            attachment=_stash(base, actor, incoming, content_type),
        )


def _refuse(base: dict, refused: einvoice.Refused) -> Draft:
    return Draft.objects.create(
        **base, status=Draft.Status.REFUSED, **store("problem", refused.phrase)
    )


def _stash(base: dict, actor, incoming: IncomingFile, content_type: str):
    upload = SimpleUploadedFile(base["file_name"], incoming.content, content_type)
    return bill_attachment_stash(
        company=base["company"], actor=actor, upload=upload, content_type=content_type
    )


def safe_file_name(name: str) -> str:
    """A file's name as sent, without folders or control characters, bounded ("invoice")."""
    name = "".join(c for c in (name or "").replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    return name[:255] or "invoice"
