"""Recurring bills: a template (supplier, lines, schedule) and the dates it has run on.

The services (`services.py`) own every change; the models hold the state, the constraints that
back it (one occurrence per template and date: the exactly-once guard) and small properties.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billpay.core.models import AMOUNT, TimestampedModel
from billpay.core.words import stored_text


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")


class RecurringBill(TimestampedModel):
    """A bill made again on a schedule: every week, month or quarter from `start_date`, until
    `end_date` or for `count` dates (or for ever), each with a due date `due_days` after it and,
    if `payment_method` is set, a payment prepared `payment_offset_days` from the due date."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="recurring_bills"
    )
    # SET_NULL: a supplier the books removed leaves the template saying so, not gone.
    supplier = models.ForeignKey(
        "bills.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supplier_name = models.CharField(max_length=300, blank=True)  # as it was when saved
    reference = models.CharField(max_length=40, blank=True)  # each bill's: "<reference> <date>"
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=4000, blank=True)
    total_amount = models.DecimalField(**AMOUNT)  # of the lines, for the list (tax included)

    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(default=30)
    payment_method = models.CharField(max_length=40, blank=True)  # "": no payment prepared
    payment_offset_days = models.SmallIntegerField(default=0)  # negative: before the due date

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Dates before this one are never made: the day it was created or last resumed (a pause
    # skips its dates, it does not pile them up for later).
    runs_from = models.DateField()
    form_token = models.UUIDField()  # the form's one-time key: a double submit makes one
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bills and payments are made in the name of whoever last saved or resumed the template.
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["supplier_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "form_token"], name="recurringbill_form_token_unique"
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gt=0),
                name="recurringbill_count_positive",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="recurringbill_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "company"])]

    def __str__(self) -> str:
        return f"{self.supplier_name} {self.reference} ({self.frequency})".strip()

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def payment_offset_abs(self) -> int:
        """How many days from the due date the payment is, before or after."""
        return abs(self.payment_offset_days)


class RecurringLine(models.Model):
    """One line of the bills a template makes (as the new-bill form's lines)."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(RecurringBill, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(max_length=4000, blank=True)
    quantity = models.DecimalField(**AMOUNT)
    unit_amount = models.DecimalField(**AMOUNT)
    account = models.ForeignKey(
        "mapping.LedgerAccount", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    tax_rate = models.ForeignKey(
        "bills.TaxRate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template", "position"]

    def __str__(self) -> str:
        return f"{self.template_id}#{self.position} {self.description}"


class RecurringOccurrence(TimestampedModel):
    """One date of a template's schedule: the bill made for it and the payment prepared.

    Unique (template, date): however many workers run the template on a date, one row; its
    `submission_key` is the bill's push's idempotency key, so one bill.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being made")
        CREATED = "created", _("Bill created")
        REFUSED = "refused", _("Not created")

    class Payment(models.TextChoices):
        NONE = "", _("No payment asked")
        WAITING = "waiting", _("Waiting for the bill to reach your books")
        SCHEDULED = "scheduled", _("Payment scheduled")
        PREPARED = "prepared", _("Payment prepared, not confirmed")
        REFUSED = "refused", _("Payment not prepared")

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(
        RecurringBill, on_delete=models.CASCADE, related_name="occurrences"
    )
    date = models.DateField()  # the bill's issue date
    submission_key = models.UUIDField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    bill = models.ForeignKey(
        "bills.Bill", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_state = models.CharField(
        max_length=10, choices=Payment.choices, default=Payment.NONE, blank=True
    )
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why the bill or the payment was not made (plain words; kept as a phrase: core.words).
    reason = models.TextField(blank=True)
    reason_i18n = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "date"], name="recurringoccurrence_once"),
            models.UniqueConstraint(
                fields=["company", "submission_key"], name="recurringoccurrence_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["company", "payment_state"])]

    def __str__(self) -> str:
        return f"{self.template_id} {self.date} ({self.state})"

    @property
    def reason_text(self) -> str:
        """Why it was not made, in the reader's language."""
        return stored_text(self.reason, self.reason_i18n)
