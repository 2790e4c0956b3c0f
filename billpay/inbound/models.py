"""E-invoices and emailed bills waiting to be checked: drafts, and each company's inbound address."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billpay.core.models import AMOUNT, TimestampedModel
from billpay.core.words import Phrase, stored_text


def new_token() -> str:
    """The private part of an inbound address: 16 lowercase letters and digits (~82 bits)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


class InboundAddress(TimestampedModel):
    """The email address a company's suppliers (or its owner) send bills to."""

    company = models.OneToOneField(
        "onboarding.Company", on_delete=models.CASCADE, related_name="inbound_address"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token)

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"bills-{self.token}@{settings.INBOUND_EMAIL_DOMAIN}"


class Draft(TimestampedModel):
    """One file that came in (uploaded, emailed, or ingested from the command line).

    An e-invoice read well is a draft bill or credit note with everything filled in; another PDF
    or image is a draft with only its file, for the user to complete; a file we refused keeps
    its name and the reason (its bytes are not kept). Confirming a draft creates the bill or
    credit note through the usual create flow, which pushes it to the books exactly once.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To check")
        CREATED = "created", _("Created")
        DISCARDED = "discarded", _("Discarded")
        REFUSED = "refused", _("Could not be read")

    class Kind(models.TextChoices):
        BILL = "bill", _("Bill")
        CREDIT_NOTE = "credit_note", _("Credit note")
        FILE = "file", _("File to complete")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded")
        EMAIL = "email", _("Emailed")
        COMMAND = "command", _("Imported")

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="inbound_drafts"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FILE)
    source = models.CharField(max_length=20, choices=Source.choices)
    format = models.CharField(max_length=20, blank=True)  # einvoice.FACTUR_X | UBL | CII | ""
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)  # of the file as received
    # The original file, kept to attach to the bill in the books (None when refused).
    attachment = models.ForeignKey(
        "bills.BillAttachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)  # the ParsedDocument, as its to_json()
    warnings = models.JSONField(default=list, blank=True)  # [Phrase.to_json()]
    problem = models.TextField(blank=True)  # why it was refused (English)
    problem_i18n = models.JSONField(default=dict, blank=True)  # the same, as a phrase
    # What the list shows and the duplicate check compares (from `data`).
    supplier = models.ForeignKey(
        "bills.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supplier_name = models.CharField(max_length=300, blank=True)
    reference = models.CharField(max_length=300, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    total_amount = models.DecimalField(**AMOUNT, null=True, blank=True)
    # Email-in: who sent it, and the message's subject.
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    # The email's Message-ID (or the provider's id): a retried delivery makes no second draft.
    message_id = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What confirming it made.
    bill = models.ForeignKey(
        "bills.Bill", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    credit_note = models.ForeignKey(
        "bills.CreditNote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "-created_at"]),
            models.Index(fields=["company", "message_id"], name="inbound_draft_message_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or self.file_name

    @property
    def problem_text(self) -> str:
        return stored_text(self.problem, self.problem_i18n)

    @property
    def warning_texts(self) -> list[str]:
        return [str(Phrase.from_json(w)) for w in self.warnings]
