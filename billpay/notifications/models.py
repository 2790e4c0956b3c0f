"""Notifications: what a member is told, in the app (the bell) and by email (issue 15, point 3).

One row per event and recipient (`event_key` is unique per recipient): it is both what the bell
lists and the proof of delivery, so a task that runs twice neither adds a second row nor sends a
second email (`emailed_at` is set by a conditional UPDATE before the email goes).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billpay.core.words import stored_text


class Kind(models.TextChoices):
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    DECIDED = "decided", _("Approved or rejected")
    PAYMENT_PROBLEM = "payment_problem", _("Payment failed or held")
    CONNECTION_LOST = "connection_lost", _("Accounting software disconnected")
    DIGEST = "digest", _("Weekly digest of bills due")
    BILLS_EMAILED = "bills_emailed", _("Bills received by email")


class Notification(models.Model):
    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    event_key = models.CharField(max_length=200)  # what happened, e.g. "payment:42:failed"
    message = models.TextField()  # in English (core.words.store), translated when shown
    message_i18n = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once")
        ]
        indexes = [
            models.Index(
                fields=["recipient", "company"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.message}"

    @property
    def message_text(self) -> str:
        return stored_text(self.message, self.message_i18n)


class Preference(models.Model):
    """A member's choice for one kind of notification; no row means both on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    in_app = models.BooleanField(default=True)
    by_email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: app={self.in_app} email={self.by_email}"
