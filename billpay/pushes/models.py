"""`Push`: one write to the books and everything needed to make it land exactly once.

The state machine is described once, in the package docstring (`billpay/pushes/__init__.py`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billpay.core.models import TimestampedModel
from billpay.core.words import stored_text


class Push(TimestampedModel):
    """One write to the books (a Codat push), whatever it writes: its adapter is `kind`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Sending to your books")
        SENT = "sent", _("Waiting for your books")
        CHECKING = "checking", _("Checking your books")
        SUCCEEDED = "succeeded", _("In your books")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.SENDING, Status.SENT, Status.CHECKING)
    FINAL = (Status.SUCCEEDED, Status.FAILED)

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)  # the adapter's key, e.g. "payment", "bill.create"
    data_type = models.CharField(max_length=30)  # Codat's: billPayments, bills, suppliers…
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    # Created with the intent and sent as Idempotency-Key on every try of this push.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    body = models.TextField(blank=True)  # the exact JSON sent (written once, at the first claim)
    push_operation_key = models.CharField(max_length=64, blank=True)
    record_id = models.CharField(max_length=100, blank=True)  # the ledger id, once known
    error = models.TextField(blank=True)  # in plain words: why it failed, or what is going on
    error_i18n = models.JSONField(default=dict, blank=True)  # it as a phrase (core.words)
    validation = models.JSONField(default=list, blank=True)  # [{"field": …, "message": …}]
    attempts = models.PositiveIntegerField(default=0)  # claims that may have sent it
    polls = models.PositiveIntegerField(default=0)  # follow-ups scheduled since the last news
    next_check_at = models.DateTimeField(null=True, blank=True)  # when the next follow-up is due
    lookup = models.JSONField(default=dict, blank=True)  # the state of a lookup in the books
    claimed_at = models.DateTimeField(null=True, blank=True)
    first_sent_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # Codat accepted it (a push operation)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status"]),
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["company", "data_type", "push_operation_key"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "push_operation_key"],
                condition=~Q(push_operation_key=""),
                name="push_operation_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["queued", "sending", "sent", "checking", "succeeded", "failed"]
                ),
                name="push_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def error_text(self) -> str:
        """Why it failed, or what is going on, in the reader's language."""
        return stored_text(self.error, self.error_i18n)
