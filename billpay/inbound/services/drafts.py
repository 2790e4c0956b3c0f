"""Deciding about a draft: confirming it (once its bill or credit note exists), discarding it,
and dismissing a file that could not be read."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from billpay.bills.services.create.common import user_or_none
from billpay.core.services import audit_record
from billpay.inbound.models import Draft

if TYPE_CHECKING:
    from billpay.bills.models import Bill, CreditNote
    from billpay.core.services import Actor

# A draft's bill (or credit note) is written with a key of its own: two tabs confirming the same
# draft make one bill, and the second confirm finds the first's.
DRAFT_KEYS = uuid.UUID("4d1b6a53-3c1e-4f7e-9d55-1a0c9e7f2b17")


def draft_submission_key(*, draft: Draft) -> uuid.UUID:
    """The one-time key of the bill or credit note that confirming `draft` creates."""
    return uuid.uuid5(DRAFT_KEYS, f"draft:{draft.pk}")


def draft_confirm(
    *,
    draft: Draft,
    actor: Actor,
    bill: Bill | None = None,
    credit_note: CreditNote | None = None,
) -> Draft:
    """Mark an open draft CREATED with the bill or credit note made from it.

    **Idempotent:** a conditional update (open → created): when another confirm won, the draft
    is returned as that one left it (with its bill). **Transaction:** one.
    """
    now = timezone.now()
    with transaction.atomic():
        changed = Draft.objects.filter(
            pk=draft.pk, company=draft.company_id, status=Draft.Status.OPEN
        ).update(
            status=Draft.Status.CREATED,
            bill=bill,
            credit_note=credit_note,
            decided_by=user_or_none(actor),
            decided_at=now,
            updated_at=now,
        )
        if changed:
            made = bill if bill is not None else credit_note
            audit_record(
                company=draft.company,
                actor=actor,
                action="draft.confirmed",
                target=str(made),
                ref=f"draft:{draft.pk}",
                data={"file": draft.file_name, "kind": draft.kind},
            )
    draft.refresh_from_db()
    return draft


def draft_discard(*, draft: Draft, actor: Actor) -> Draft:
    """Set an open draft aside (kept, as DISCARDED); its stashed file is deleted.

    The file was never attached to a bill, so nothing else refers to it. **Idempotent:** a
    draft already decided is left as it is. **Transaction:** one; the file leaves storage
    after commit.
    """
    now = timezone.now()
    with transaction.atomic():
        changed = Draft.objects.filter(
            pk=draft.pk, company=draft.company_id, status=Draft.Status.OPEN
        ).update(
            status=Draft.Status.DISCARDED,
            decided_by=user_or_none(actor),
            decided_at=now,
            updated_at=now,
        )
        if changed:
            _drop_file(draft)
            audit_record(
                company=draft.company,
                actor=actor,
                action="draft.discarded",
                target=str(draft),
                ref=f"draft:{draft.pk}",
                data={"file": draft.file_name},
            )
    draft.refresh_from_db()
    return draft


def draft_dismiss(*, draft: Draft, actor: Actor) -> None:
    """Remove a refused file's row from the list (nothing of it was kept but its name and reason)."""
    Draft.objects.filter(
        pk=draft.pk, company=draft.company_id, status=Draft.Status.REFUSED
    ).delete()


def _drop_file(draft: Draft) -> None:
    attachment = draft.attachment
    if attachment is None or attachment.bill_id is not None:
        return
    name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
