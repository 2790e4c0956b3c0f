"""Mirrors of the books (suppliers, bills, their lines and allocations, tax rates) and sync state.

Mirror, don't mutate: remote fields are overwritten by every sync and keep Codat's raw JSON;
local workflow state (review) lives in its own fields, which a sync never touches.
"""

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billpay.bills.progress import SyncStep, sync_steps
from billpay.core.models import AMOUNT, MirroredModel, TimestampedModel
from billpay.core.words import stored_text

# The inbox's sort keys are never NULL (a bill without a due date sorts as due on FAR_FUTURE), so
# keyset pagination is one index range scan. The indexes below use these exact expressions.
FAR_FUTURE, FAR_PAST = date(9999, 12, 31), date(1, 1, 1)
DUE_KEY = Coalesce(F("due_date"), Value(FAR_FUTURE))
ISSUE_KEY = Coalesce(F("issue_date"), Value(FAR_PAST))
TO_PAY = Q(amount_due__gt=0, is_deleted=False) & ~Q(codat_status__in=["Void", "Draft"])


# A record created here gets a placeholder Codat id until the books confirm it (then the real id
# replaces it, so the next sync updates the same row). A sync never sees these ids.
LOCAL_ID_PREFIX = "local:"


class Origin(models.TextChoices):
    SYNCED = "synced", _("From the books")
    APP = "app", _("Created in BillPay")


class PushState(models.TextChoices):
    """Where the latest write of a record to the books stands ("" for records only read)."""

    NONE = "", "—"
    SENDING = "sending", _("Sending")
    IN_BOOKS = "in_books", _("In your books")
    FAILED = "failed", _("Failed")


class WrittenHere(models.Model):
    """What a record created or changed here keeps of its way into the books (issue 5): local
    state, never in a sync's update."""

    Origin = Origin
    PushState = PushState

    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.SYNCED)
    push_state = models.CharField(max_length=20, choices=PushState.choices, blank=True)
    push_error = models.TextField(blank=True)
    push_error_i18n = models.JSONField(default=dict, blank=True)  # it as a phrase (core.words)

    class Meta:
        abstract = True

    @property
    def push_error_text(self) -> str:
        """Why writing it to the books failed, in the reader's language."""
        return stored_text(self.push_error, self.push_error_i18n)


class CreatedHere(WrittenHere):
    """A bill or credit note that may be made here, and by whom."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Supplier(WrittenHere, MirroredModel):
    codat_supplier_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True)
    contact_name = models.CharField(max_length=300, blank=True)
    email = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=100, blank=True)
    tax_number = models.CharField(max_length=100, blank=True)
    default_currency = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=20, blank=True)  # Codat: Active | Archived | Unknown
    addresses = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "codat_supplier_id"], name="supplier_codat_id_unique"
            )
        ]
        indexes = [models.Index(fields=["company", "name"])]

    def __str__(self) -> str:
        return self.name or self.codat_supplier_id

    @property
    def is_in_books(self) -> bool:
        return not self.codat_supplier_id.startswith(LOCAL_ID_PREFIX)


class TaxRate(MirroredModel):
    codat_tax_rate_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True)
    code = models.CharField(max_length=100, blank=True)
    effective_tax_rate = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "codat_tax_rate_id"], name="taxrate_codat_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.codat_tax_rate_id


class Bill(CreatedHere, MirroredModel):
    """A supplier bill as the books have it, plus the review state kept here."""

    class Review(models.TextChoices):
        PENDING = "pending", _("To review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    codat_bill_id = models.CharField(max_length=100)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="bills"
    )
    codat_supplier_id = models.CharField(max_length=100, blank=True)
    supplier_name = models.CharField(max_length=300, blank=True)  # denormalised for sort and search
    reference = models.CharField(max_length=300, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    currency_rate = models.DecimalField(max_digits=19, decimal_places=10, null=True, blank=True)
    sub_total = models.DecimalField(**AMOUNT, default=0)
    tax_amount = models.DecimalField(**AMOUNT, default=0)
    total_amount = models.DecimalField(**AMOUNT, default=0)
    amount_due = models.DecimalField(**AMOUNT, default=0)
    codat_status = models.CharField(
        max_length=20, blank=True
    )  # Open, PartiallyPaid, Paid, Void, Draft…
    note = models.TextField(blank=True)
    search_text = models.TextField(
        blank=True
    )  # supplier name, reference and line descriptions, lower-cased

    # Local workflow state: never written by a sync.
    review_status = models.CharField(max_length=20, choices=Review.choices, default=Review.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "codat_bill_id"], name="bill_codat_id_unique"
            )
        ]
        indexes = [
            # The inbox's default view (bills to pay by due date), with and without a currency.
            models.Index(F("company"), DUE_KEY, F("id"), name="bill_to_pay_due", condition=TO_PAY),
            models.Index(
                F("company"),
                F("currency"),
                DUE_KEY,
                F("id"),
                name="bill_to_pay_cur_due",
                condition=TO_PAY,
            ),
            models.Index(F("company"), DUE_KEY, F("id"), name="bill_company_due"),
            models.Index(
                F("company"), F("amount_due"), F("id"), name="bill_to_pay_amount", condition=TO_PAY
            ),
            models.Index(fields=["company", "codat_supplier_id"], name="bill_company_supplier"),
            # The overview's aggregate of bills to pay by currency and due date (insights): an
            # index-only scan, however many bills, with what it sums and tests included.
            models.Index(
                fields=["company", "currency", "due_date"],
                include=["amount_due", "total_amount", "review_status"],
                name="bill_to_pay_aging",
                condition=TO_PAY,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_name} {self.reference}".strip() or self.codat_bill_id

    @property
    def is_in_books(self) -> bool:
        """False for a bill created here that the books have not confirmed yet (not payable)."""
        return not self.codat_bill_id.startswith(LOCAL_ID_PREFIX)

    @property
    def is_paid(self) -> bool:
        """Paid in full in the books: marked paid, or nothing left due on a bill that was owed."""
        if self.codat_status == "Paid":
            return True
        return (
            self.is_in_books
            and self.amount_due <= 0
            and self.total_amount > 0
            and self.codat_status not in ("Void", "Draft")
        )


class CreditNote(CreatedHere, MirroredModel):
    """A supplier's credit note as the books have it (Codat's BillCreditNote), keyed like bills.

    Its lines stay in `raw` (`lineItems`). `remaining_credit` is what can still be set against the
    supplier's bills. Notes created here carry the same local write state as bills (never in a
    sync's update).
    """

    class Status(models.TextChoices):
        """Codat's billCreditNoteStatus."""

        UNKNOWN = "Unknown", _("Unknown")
        DRAFT = "Draft", _("Draft")
        SUBMITTED = "Submitted", _("Open")
        PAID = "Paid", _("Used up")
        VOID = "Void", _("Void")
        PARTIALLY_PAID = "PartiallyPaid", _("Partly used")

    codat_id = models.CharField(max_length=100)
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="credit_notes"
    )
    codat_supplier_id = models.CharField(max_length=100, blank=True)
    supplier_name = models.CharField(max_length=300, blank=True)
    number = models.CharField(max_length=300, blank=True)  # billCreditNoteNumber
    issue_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    currency_rate = models.DecimalField(max_digits=19, decimal_places=10, null=True, blank=True)
    sub_total = models.DecimalField(**AMOUNT, default=0)
    tax_amount = models.DecimalField(**AMOUNT, default=0)
    total_amount = models.DecimalField(**AMOUNT, default=0)
    remaining_credit = models.DecimalField(**AMOUNT, default=0)
    status = models.CharField(max_length=20, blank=True)  # Status values, as Codat sends them
    note = models.TextField(blank=True)
    source_modified_date = models.DateTimeField(null=True, blank=True)
    # Local write state (issue 16), never in a sync's update.

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "codat_id"], name="creditnote_codat_id_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["company", "codat_supplier_id", "currency", "issue_date"],
                name="creditnote_available",
                condition=Q(remaining_credit__gt=0, is_deleted=False),
            ),
            models.Index(fields=["company", "supplier"], name="creditnote_company_supplier"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_name} {self.number}".strip() or self.codat_id

    @property
    def is_in_books(self) -> bool:
        """False for a note created here that the books have not confirmed yet (not usable)."""
        return not self.codat_id.startswith(LOCAL_ID_PREFIX)

    @property
    def status_label(self) -> str:
        try:
            return str(self.Status(self.status).label)
        except ValueError:
            return self.status


class BillLine(models.Model):
    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    quantity = models.DecimalField(**AMOUNT, default=1)
    unit_amount = models.DecimalField(**AMOUNT, default=0)
    discount_amount = models.DecimalField(**AMOUNT, null=True, blank=True)
    sub_total = models.DecimalField(**AMOUNT, null=True, blank=True)
    tax_amount = models.DecimalField(**AMOUNT, null=True, blank=True)
    total_amount = models.DecimalField(**AMOUNT, null=True, blank=True)
    codat_account_id = models.CharField(max_length=100, blank=True)
    account_name = models.CharField(max_length=300, blank=True)
    codat_tax_rate_id = models.CharField(max_length=100, blank=True)
    tax_rate_name = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["bill", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "position"], name="billline_position_unique")
        ]

    def __str__(self) -> str:
        return self.description or gettext("Line %(position)s") % {"position": self.position}


class BillAllocation(models.Model):
    """A payment allocated to the bill, as the books report it (paymentAllocations)."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="allocations")
    codat_payment_id = models.CharField(max_length=100, blank=True)
    payment_note = models.TextField(blank=True)
    paid_on = models.DateTimeField(null=True, blank=True)
    allocated_on = models.DateTimeField(null=True, blank=True)
    amount = models.DecimalField(**AMOUNT)  # in the bill's currency
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["bill", "allocated_on", "id"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class SyncState(models.Model):
    """Per company and data type: the modifiedDate watermark of the last successful read."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=40)
    watermark = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "data_type"], name="syncstate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.data_type} ≤ {self.watermark}"


class SyncRun(TimestampedModel):
    """One sync of one company: what it read and wrote, how long it took, how it ended."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        WAITING = "waiting", _("Waiting for the books")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Sync now")
        WEBHOOK = "webhook", _("Webhook")
        LINK = "link", _("First sync")
        COMMAND = "command", _("Operator")
        PUSH = "push", _("After a write to the books")

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="sync_runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    full = models.BooleanField(default=False)
    data_types = models.JSONField(default=list)
    # Codat's read.completed modifiedFromDate: read records modified since then (>=) this time.
    modified_from = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"bills": {"created": 1, "updated": 2, "deleted": 0, "read": 3}, ...}
    counts = models.JSONField(default=dict)
    records_read = models.PositiveIntegerField(default=0)  # progress while running
    # Per data type, records read so far of the list's length as Codat counts it (totalResults):
    # {"bills": {"read": 2000, "total": 10000, "done": false}, ...}; see `progress_steps`.
    progress = models.JSONField(default=dict, blank=True)
    api_calls = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)  # for the owner, in plain words
    error_i18n = models.JSONField(default=dict, blank=True)  # it as a phrase (core.words)
    # For staff: what Codat said (a dataStatus such as "bills: FetchError", an exception's class).
    error_detail = models.TextField(blank=True)
    # Records read but not written because a column could not hold them (see sync_checks).
    skipped = models.PositiveIntegerField(default=0)
    skip_reasons = models.JSONField(default=list, blank=True)  # the first few, for staff
    # Codat data types this run asked Codat to read (data/queue) because its first read of the
    # company did not include them: asked once per run, then waited for.
    queued_types = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"])]
        constraints = [
            # One sync at a time per company, enforced by the database.
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(status__in=["queued", "waiting", "running"]),
                name="syncrun_one_active_per_company",
            )
        ]

    ACTIVE = (Status.QUEUED, Status.WAITING, Status.RUNNING)

    def __str__(self) -> str:
        return f"{self.company_id} {self.trigger} {self.status}"

    @property
    def error_text(self) -> str:
        """Why the sync failed, in the reader's language."""
        return stored_text(self.error, self.error_i18n)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def progress_steps(self) -> list[SyncStep]:
        """What this run reads, in order, and how far each part has got (for the progress bar)."""
        return sync_steps(self.data_types, self.progress)

    @property
    def progress_percent(self) -> int:
        """The whole run's progress: each data type an equal share."""
        steps = self.progress_steps
        return sum(step.percent for step in steps) // len(steps) if steps else 0

    @property
    def duration_s(self):
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


def _attachment_path(instance: "BillAttachment", filename: str) -> str:
    # Never the user's file name on disk: a random name under the company's folder.
    return f"bill-attachments/{instance.company_id}/{instance.pk}"


class BillAttachment(TimestampedModel):
    """An invoice file uploaded here, kept until (and after) it is attached to the bill in the books."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )  # null while the form that uploaded it is being corrected
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    codat_attachment_id = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name


class LedgerWrite(TimestampedModel):
    """A write of a bill, a supplier or an invoice file to the books: what it is about, and its push.

    How the write goes (its status, Idempotency-Key, body, push operation, outcome) is the push's
    (`billpay.pushes`); this row only ties it to the records it writes, and keeps their history.
    """

    class Kind(models.TextChoices):
        """The push's kind (its adapter in `bills/pushes.py`)."""

        BILL_CREATE = "bill.create", _("Create")
        BILL_UPDATE = "bill.update", _("Update")
        BILL_DELETE = "bill.delete", _("Delete")
        BILL_ATTACHMENT = "bill.attachment", _("Attach a file")
        SUPPLIER_CREATE = "supplier.create", _("Create")
        SUPPLIER_UPDATE = "supplier.update", _("Update")
        CREDIT_NOTE_CREATE = "credit_note.create", _("Create")

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="ledger_writes"
    )
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.CASCADE, related_name="writes"
    )
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.CASCADE, related_name="writes"
    )
    attachment = models.ForeignKey(
        BillAttachment, null=True, blank=True, on_delete=models.CASCADE, related_name="writes"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.CASCADE, related_name="writes"
    )
    push = models.OneToOneField(
        "pushes.Push", on_delete=models.CASCADE, related_name="ledger_write"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.push.kind} {self.push.status}"

    @property
    def kind_label(self) -> str:
        """What the write does, in words ("Attach a file")."""
        return self.Kind(self.push.kind).label
