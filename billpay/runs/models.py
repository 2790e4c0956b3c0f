"""Pay runs: many bills of many suppliers paid in one go, one bill payment per group.

A run's bills are grouped by supplier × currency × payment account (on Xero, optionally by
currency × account across suppliers: one batch payment). Each group becomes one
`payments.Payment` when the run is confirmed, so one bank debit is one payment in the books.
The state machine lives in `services/` (see its module docstring).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billpay.core.models import AMOUNT, TimestampedModel


class PayRun(TimestampedModel):
    """Bills picked to be paid together on one date, by one payment method."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        APPROVED = "approved", _("Approved")
        SENDING = "sending", _("Paying")  # confirmed: its payments are on their way
        DONE = "done", _("Done")  # every payment verified in the books
        ATTENTION = "attention", _("Needs attention")  # settled, but some payments failed or held
        CANCELLED = "cancelled", _("Cancelled")

    EDITABLE = (Status.DRAFT, Status.APPROVED)

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    method = models.CharField(max_length=40)  # a key of settings.PAYMENT_METHODS
    payment_date = models.DateField()
    # Xero only: one batch payment per currency × account across suppliers (no supplierRef).
    batch = models.BooleanField(default=False)
    # Rotates on every change: a confirm form shows the run as it was when the page was drawn,
    # and a confirm with an older token is refused (someone changed the run meanwhile).
    form_token = models.UUIDField(default=uuid.uuid4)
    # The picked bills that cannot be paid: [{"bill": id, "reason": English, "reason_i18n": the
    # reason as a phrase (core.words), shown in the reader's language}].
    left_out = models.JSONField(default=list, blank=True)
    bill_count = models.PositiveIntegerField(default=0)
    group_count = models.PositiveIntegerField(default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_comment = models.CharField(max_length=500, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    overdraw_confirmed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    # One bills refresh for the whole run: when it was asked for, Codat's read, follow-ups.
    refresh_requested_at = models.DateTimeField(null=True, blank=True)
    verify_state = models.JSONField(default=dict, blank=True)
    verify_polls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "approved", "sending", "done", "attention", "cancelled"]
                ),
                name="payrun_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Pay run {self.pk} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_working(self) -> bool:
        return self.status == self.Status.SENDING

    @property
    def badge_class(self) -> str:
        return {
            self.Status.DONE: "ok",
            self.Status.ATTENTION: "bad",
            self.Status.SENDING: "info",
            self.Status.APPROVED: "info",
            self.Status.DRAFT: "warn",
        }.get(self.status, "")


class PayRunGroup(models.Model):
    """One bill payment of the run: one supplier (or none: a batch), one currency, one account."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(PayRun, on_delete=models.CASCADE, related_name="groups")
    supplier = models.ForeignKey(
        "bills.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    codat_supplier_id = models.CharField(max_length=100, blank=True)  # empty: a batch
    supplier_name = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3)
    # The account that pays this currency by the run's method; empty while none is mapped.
    account = models.ForeignKey(
        "mapping.LedgerAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    total = models.DecimalField(**AMOUNT)
    payment = models.OneToOneField(
        "payments.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="run_group",
    )

    class Meta:
        ordering = ["supplier_name", "currency", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "codat_supplier_id", "currency"], name="payrungroup_unique"
            ),
            models.CheckConstraint(condition=Q(total__gt=0), name="payrungroup_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_name or 'Suppliers'} {self.total} {self.currency}"


class PayRunLine(models.Model):
    """One bill of the run and the amount paid on it (in the bill's currency)."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(PayRun, on_delete=models.CASCADE, related_name="lines")
    group = models.ForeignKey(PayRunGroup, on_delete=models.CASCADE, related_name="lines")
    bill = models.ForeignKey("bills.Bill", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ["group", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "bill"], name="payrunline_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payrunline_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.amount}"
