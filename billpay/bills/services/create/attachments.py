"""Invoice files kept before their bill exists, and attached to it with their own push."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from billpay.bills.models import BillAttachment
from billpay.bills.services.create.common import K, user_or_none
from billpay.bills.services.writes import ledger_write_create

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from billpay.bills.models import Bill
    from billpay.core.services import Actor
    from billpay.onboarding.models import Company


def bill_attachment_stash(
    *, company: Company, actor: Actor, upload: UploadedFile, content_type: str
) -> BillAttachment:
    """Keep a checked invoice file before its bill exists (so a form with errors loses nothing).

    **Transaction:** joins the caller's.
    """
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = BillAttachment(
        company=company,
        name=_safe_name(upload.name or "invoice"),
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=user_or_none(actor),
    )
    attachment.file.save(attachment.name, upload, save=False)
    attachment.save()
    return attachment


def attach(bill: Bill, attachment: BillAttachment, actor: Actor) -> None:
    """Give a stashed file to its bill and record the write that uploads it (once).

    **Transaction:** joins the caller's.
    """
    claimed = BillAttachment.objects.filter(
        pk=attachment.pk, company_id=bill.company_id, bill__isnull=True
    ).update(bill=bill)
    if claimed:
        # Queued, not started: the bill's success in the books starts it.
        ledger_write_create(
            company=bill.company,
            kind=K.BILL_ATTACHMENT,
            bill=bill,
            attachment=attachment,
            created_by=user_or_none(actor),
            start=False,
        )


def _safe_name(name: str) -> str:
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    return name.replace('"', "")[:200] or "invoice"
