"""One email (webhook or .eml) → drafts for one company, once even if delivered again."""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_noop

from billpay.core.locks import session_lock
from billpay.core.words import phrase, store
from billpay.inbound.email import (
    message_files,
    message_id_of,
    message_sender,
    message_subject,
)
from billpay.inbound.models import Draft
from billpay.inbound.services.ingest import IncomingFile, inbound_ingest, safe_file_name

if TYPE_CHECKING:
    from email.message import Message

    from billpay.onboarding.models import Company

logger = logging.getLogger(__name__)

EMAIL_LOCK_SPACE = 0x494E4245  # "INBE": the first key of the advisory lock of one email


@dataclass
class EmailOutcome:
    drafts: list[Draft] = field(default_factory=list)  # read, or kept to complete
    refused: list[Draft] = field(default_factory=list)  # with their reasons
    already: list[Draft] = field(default_factory=list)  # this email's drafts from before


def inbound_email_ingest(
    *, company: Company, message: Message, source: str, message_id: str = ""
) -> EmailOutcome:
    """Each file of the email becomes a draft (plain PDFs and images too, to complete); a file
    past the INBOUND_MAX_ATTACHMENTS-th, or an email with no file at all, a refused draft that
    says so: the user sees every email that arrived.

    Delivered again (the same `message_id`, default its Message-ID header): files already made
    into drafts are not read again; two deliveries at once wait for each other.
    **Transaction:** one per file (inbound_ingest's).
    """
    message_id = (message_id or message_id_of(message))[:300]
    sender, subject = message_sender(message), message_subject(message)
    found = message_files(message, limit=settings.INBOUND_MAX_ATTACHMENTS)
    outcome = EmailOutcome()
    base = {"company": company, "source": source, "sender": sender[:300], "subject": subject[:300]}
    with _email_lock(company, message_id):
        done = _drafts_of(company, message_id)
        if not found.files:
            return _no_file(base, message_id, done, outcome)
        for incoming in found.files:
            key = _sha256(incoming)
            if key in done:
                outcome.already.append(done[key])
                continue
            one = inbound_ingest(
                company=company, files=[incoming], keep_plain_files=True, **_ingest_args(base)
            )
            for draft in one.drafts + one.refused:
                _mark(draft, message_id)
            outcome.drafts += one.drafts
            outcome.refused += one.refused
            done[key] = (one.drafts + one.refused)[0]
        for incoming in found.over_limit:
            key = _sha256(incoming)
            if key in done:
                outcome.already.append(done[key])
                continue
            outcome.refused.append(_over_limit(base, message_id, incoming))
    return outcome


def _ingest_args(base: dict) -> dict:
    return {"source": base["source"], "sender": base["sender"], "subject": base["subject"]}


def _no_file(base: dict, message_id: str, done: dict, outcome: EmailOutcome) -> EmailOutcome:
    if "" in done:
        outcome.already.append(done[""])
        return outcome
    outcome.refused.append(
        Draft.objects.create(
            **base,
            file_name="",
            message_id=message_id,
            status=Draft.Status.REFUSED,
            **store("problem", phrase(gettext_noop("The email had no invoice attached."))),
        )
    )
    return outcome


def _over_limit(base: dict, message_id: str, incoming: IncomingFile) -> Draft:
    return Draft.objects.create(
        **base,
        file_name=safe_file_name(incoming.name),
        sha256=_sha256(incoming),
        message_id=message_id,
        status=Draft.Status.REFUSED,
        **store(
            "problem",
            phrase(
                gettext_noop(
                    "The email had more than %(limit)s files: this one was not read. "
                    "Upload it, or ask the sender to send it in another email."
                ),
                limit=settings.INBOUND_MAX_ATTACHMENTS,
            ),
        ),
    )


def _drafts_of(company: Company, message_id: str) -> dict[str, Draft]:
    """This email's drafts from an earlier delivery, by the sha256 of their file ("" for the
    draft saying there was no file)."""
    if not message_id:
        return {}
    drafts = Draft.objects.filter(company=company, message_id=message_id).order_by("id")
    return {d.sha256: d for d in reversed(drafts)}


def _mark(draft: Draft, message_id: str) -> None:
    if message_id:
        Draft.objects.filter(pk=draft.pk).update(message_id=message_id)
        draft.message_id = message_id


@contextmanager
def _email_lock(company: Company, message_id: str):
    """Two deliveries of one email at once (a provider retrying while the first still runs):
    the second waits, then finds the first's drafts. Released even if reading fails."""
    if not message_id:
        yield
        return
    digest = hashlib.sha256(f"{company.pk}:{message_id}".encode()).digest()
    with session_lock(EMAIL_LOCK_SPACE, int.from_bytes(digest[:4], "big", signed=True)):
        yield


def _sha256(incoming: IncomingFile) -> str:
    return hashlib.sha256(incoming.content).hexdigest()
