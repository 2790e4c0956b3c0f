"""Payments written back to the books as bill payments, and their write-back state.

The state machine itself lives in `services/` (see its module docstring); the models only hold
the state, the constraints that back it, and small single-row properties.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billpay.core.models import AMOUNT, TimestampedModel
from billpay.core.words import stored_text


class PaymentSettings(TimestampedModel):
    """Per-company payment rules: the approval threshold (in the company's base currency)."""

    company = models.OneToOneField(
        "onboarding.Company", on_delete=models.CASCADE, related_name="payment_settings"
    )
    approval_threshold = models.DecimalField(**AMOUNT, null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "payment settings"

    def __str__(self) -> str:
        return f"{self.company_id}: approval above {self.approval_threshold}"


class _Status(models.TextChoices):
    DRAFT = "draft", _("Prepared")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending to your books")  # its push is on its way (see `push.status`)
    PENDING = "pending", _("Recorded, waiting to show in your books")
    VERIFIED = "verified", _("Verified in your books")
    FAILED = "failed", _("Failed")
    ON_HOLD = "on_hold", _("On hold")
    CANCELLED = "cancelled", _("Cancelled")
    DELETED = "deleted", _("Deleted from your books")


STATUS_VALUES = [choice.value for choice in _Status]


class Payment(TimestampedModel):
    """One bill payment in the books: one supplier, one account, one line per bill.

    The payment keeps its own states; sending it is its `push` (the exactly-once machine in
    `billpay.pushes`), one push per attempt.
    """

    Status = _Status

    # Amounts of these payments are reserved against their bills' amount due. PENDING stays
    # reserved until VERIFIED: until the mirror shows the lower amountDue the money is still
    # "in flight" as far as the app's copy of the bill is concerned.
    IN_FLIGHT = (Status.DRAFT, Status.SCHEDULED, Status.SENDING, Status.PENDING)
    FINAL = (Status.VERIFIED, Status.FAILED, Status.CANCELLED, Status.ON_HOLD, Status.DELETED)
    # The write-back is running: the status partial keeps polling.
    WORKING = (Status.SENDING, Status.PENDING)

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="payments"
    )
    reference = models.CharField(max_length=20)  # ours, sent as the bill payment's `reference`
    supplier = models.ForeignKey(
        "bills.Supplier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty for a batch across suppliers (Xero: a bill payment without supplierRef).
    codat_supplier_id = models.CharField(max_length=100, blank=True)
    supplier_name = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=40)  # a key of settings.PAYMENT_METHODS
    account = models.ForeignKey(
        "mapping.LedgerAccount", on_delete=models.PROTECT, related_name="payments"
    )
    codat_account_id = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    total_amount = models.DecimalField(**AMOUNT)  # the cash that moves (0: all paid by credit)
    # Supplier credit notes set against the bills (`credits`); the bills get cash + credit.
    credit_amount = models.DecimalField(**AMOUNT, default=0)
    # Bill payments written before `request_body` (credit allocations where the platform needs
    # them apart: QBO and Xero), each a JSON body; `PaymentCredit.step` points into it.
    credit_bodies = models.JSONField(default=list, blank=True)
    currency_rate = models.DecimalField(max_digits=19, decimal_places=10, null=True, blank=True)
    payment_date = models.DateField()
    note = models.CharField(max_length=500, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(blank=True)  # plain words: why it failed or is on hold
    status_reason_i18n = models.JSONField(default=dict, blank=True)  # it as a phrase (core.words)
    # The form's one-time token: a double-clicked "Prepare" returns the same payment.
    form_token = models.UUIDField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=0)  # confirmations and retries: one push each
    request_body = models.TextField(blank=True)  # the bill payment as prepared: its push sends it
    push = models.OneToOneField(
        "pushes.Push", null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    # Checking that the mirrored bills show the recorded payment: the bills read we wait for.
    verify_state = models.JSONField(default=dict, blank=True)
    verify_polls = models.PositiveIntegerField(default=0)
    # Part of a batch (a pay run) that asks Codat to re-read the bills once for all its
    # payments: recording this one tells the batch (`payments.hooks`) instead of refreshing.
    refresh_by_batch = models.BooleanField(default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # recorded in the books
    verified_at = models.DateTimeField(null=True, blank=True)
    refresh_requested_at = models.DateTimeField(null=True, blank=True)
    # Deleting the bill payment from the books again (issue 16): its own push, one per attempt;
    # the payment stays verified until that push succeeds, then it is deleted.
    delete_push = models.OneToOneField(
        "pushes.Push",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_deletion",
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["company", "status"]),
            models.Index(fields=["status", "payment_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "reference"], name="payment_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["company", "form_token"], name="payment_form_token_unique"
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gt=0) | Q(total_amount=0, credit_amount__gt=0),
                name="payment_amount_positive",
            ),
            models.CheckConstraint(condition=Q(credit_amount__gte=0), name="payment_credit_sign"),
            models.CheckConstraint(
                condition=Q(status__in=STATUS_VALUES), name="payment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.total_amount} {self.currency} ({self.status})"

    @property
    def is_working(self) -> bool:
        return self.status in self.WORKING

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def status_label(self) -> str:
        """What the payment is doing, in the user's words (while sending: what its push does)."""
        if self.status == self.Status.SENDING and self.push_id is not None:
            return self.push.get_status_display()
        return self.get_status_display()

    @property
    def status_reason_text(self) -> str:
        """Why it failed or is on hold, in the reader's language."""
        return stored_text(self.status_reason, self.status_reason_i18n)

    @property
    def codat_bill_payment_id(self) -> str:
        """The bill payment's id in the books, once recorded."""
        return self.push.record_id if self.push_id is not None else ""

    @property
    def validation_errors(self) -> list:
        """What the books said was wrong with the last attempt."""
        return self.push.validation if self.push_id is not None else []

    @property
    def can_cancel(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED, self.Status.ON_HOLD)

    @property
    def badge_class(self) -> str:
        """The status badge's colour class."""
        if self.status == self.Status.VERIFIED:
            return "ok"
        if self.status == self.Status.FAILED:
            return "bad"
        checking = self.push_id is not None and self.push.status == "checking"
        if self.status in (self.Status.ON_HOLD, self.Status.DRAFT) or checking:
            return "warn"
        return "info" if self.is_working or self.status == self.Status.SCHEDULED else ""

    @property
    def is_for_later(self) -> bool:
        """Dated after today: confirming schedules it instead of recording it now."""
        return self.payment_date > timezone.localdate()

    @property
    def can_retry(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_deleting(self) -> bool:
        """Its deletion from the books is on its way."""
        return self.delete_push_id is not None and self.delete_push.is_active

    @property
    def delete_failed_text(self) -> str:
        """Why the last try to delete it from the books failed (empty if it did not)."""
        if self.delete_push_id is None or self.delete_push.status != "failed":
            return ""
        return self.delete_push.error_text


class PaymentAllocation(models.Model):
    """The part of a payment that pays one bill (one line of the bill payment)."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    bill = models.ForeignKey(
        "bills.Bill", on_delete=models.PROTECT, related_name="payment_allocations"
    )
    codat_bill_id = models.CharField(max_length=100)
    amount = models.DecimalField(**AMOUNT)  # in the bill's currency (= the payment's)
    currency = models.CharField(max_length=3)
    # The bill as the app saw it when the amount was reserved: a scheduled payment is held
    # rather than paid if the books have moved on since.
    amount_due_before = models.DecimalField(**AMOUNT)
    bill_status_before = models.CharField(max_length=20, blank=True)
    codat_supplier_id_before = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["payment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "bill"], name="paymentallocation_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="paymentallocation_positive"),
        ]
        indexes = [models.Index(fields=["bill", "payment"])]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} → {self.codat_bill_id}"


class PaymentCredit(models.Model):
    """Credit from one supplier credit note set against one bill of a payment.

    The bill's allocation (`PaymentAllocation.amount`) counts it: the bill gets cash + credit.
    `step` is the bill payment that writes it: -1 the payment's own push (`Payment.push`, with
    the cash where the platform takes both in one), else an index into `Payment.credit_bodies`,
    written first as a push of its own (`push`, kind "payment.credit").
    """

    MAIN = -1

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="credits")
    credit_note = models.ForeignKey(
        "bills.CreditNote", on_delete=models.PROTECT, related_name="payment_credits"
    )
    codat_credit_note_id = models.CharField(max_length=100)
    bill = models.ForeignKey("bills.Bill", on_delete=models.PROTECT, related_name="+")
    codat_bill_id = models.CharField(max_length=100)
    amount = models.DecimalField(**AMOUNT)  # in the note's currency (= the bill's)
    currency = models.CharField(max_length=3)
    remaining_before = models.DecimalField(**AMOUNT)  # the note's credit when it was reserved
    step = models.IntegerField(default=MAIN)
    push = models.ForeignKey(
        "pushes.Push", null=True, blank=True, on_delete=models.PROTECT, related_name="credits"
    )

    class Meta:
        ordering = ["payment", "step", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "credit_note", "bill"], name="paymentcredit_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="paymentcredit_positive"),
        ]
        indexes = [models.Index(fields=["credit_note", "payment"])]

    def __str__(self) -> str:
        return (
            f"{self.amount} {self.currency} of {self.codat_credit_note_id} → {self.codat_bill_id}"
        )


class PaymentEvent(models.Model):
    """One step of a payment's timeline (append-only)."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Payment.Status.choices)
    message = models.TextField(blank=True)  # in English: staff, audit, exports
    message_i18n = models.JSONField(default=dict, blank=True)  # it as a phrase (core.words)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.status}"

    @property
    def message_text(self) -> str:
        """What happened, in the reader's language."""
        return stored_text(self.message, self.message_i18n)
