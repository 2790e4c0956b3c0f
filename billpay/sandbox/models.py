"""Sandbox state: companies, connections, ledger, Codat's cache, datasets, pushes, webhooks."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models

from billpay.sandbox.jsonutil import DecimalDecoder, DecimalEncoder


def _json_field(**kwargs) -> models.JSONField:
    """A JSONField whose money stays Decimal on the way in and out."""
    return models.JSONField(encoder=DecimalEncoder, decoder=DecimalDecoder, **kwargs)


# The dataStatus values a read can end in instead of Complete (Codat's `currentStatus` enum).
READ_ERROR_STATUSES = (
    "FetchError",
    "AuthError",
    "PrerequisiteNotMet",
    "ValidationError",
    "InternalError",
    "NotSupported",
    "MapError",
    "ProcessingError",
    "PermissionsError",
    "RateLimitError",
    "Cancelled",
)


def validate_data_types(value: str) -> None:
    """A comma-separated list of data types the sandbox can read (blank is fine)."""
    from billpay.sandbox.store import QUEUEABLE_TYPES  # store imports the models

    unknown = [name for name in split_names(value) if name not in QUEUEABLE_TYPES]
    if unknown:
        raise ValidationError(
            f"Unknown data types: {', '.join(unknown)}. Use {', '.join(QUEUEABLE_TYPES)}."
        )


def split_names(value: str) -> list[str]:
    """Split a comma-separated list: "bills, suppliers" gives ["bills", "suppliers"]."""
    return [name.strip() for name in value.split(",") if name.strip()]


class SandboxCompany(models.Model):
    """A Codat company, plus its fault profile (blank fields fall back to SANDBOX_FAULT_*)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    tags = _json_field(default=dict, blank=True)
    base_currency = models.CharField(max_length=3, default="GBP")
    created = models.DateTimeField()
    last_sync = models.DateTimeField(null=True, blank=True)
    fault_error_rate = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True, help_text="0..1: share of 500/503"
    )
    fault_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    fault_429_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="0..1: chance a burst starts",
    )
    fault_429_burst = models.PositiveIntegerField(
        null=True, blank=True, help_text="requests refused once a burst starts"
    )
    fault_lost_response_rate = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True, help_text="0..1: push applied, 502"
    )
    push_delay_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="how long pushes stay Pending (a slow platform)"
    )
    first_read_error = models.CharField(
        max_length=20,
        blank=True,
        default="",
        choices=[(status, status) for status in READ_ERROR_STATUSES],
        help_text="the first read after linking ends in this dataStatus "
        "(blank = SANDBOX_FAULT_FIRST_READ_ERROR); NotSupported also fails every later read",
    )
    first_read_error_types = models.CharField(
        max_length=300,
        blank=True,
        default="",
        validators=[validate_data_types],
        help_text="comma-separated data types the error hits, e.g. bills,suppliers "
        "(blank = SANDBOX_FAULT_FIRST_READ_ERROR_TYPES, else every type of the first read)",
    )

    class Meta:
        verbose_name_plural = "sandbox companies"
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class SandboxConnection(models.Model):
    """A data connection from a company to an accounting platform."""

    class Status(models.TextChoices):
        PENDING_AUTH = "PendingAuth"
        LINKED = "Linked"
        UNLINKED = "Unlinked"
        DEAUTHORIZED = "Deauthorized"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(
        SandboxCompany, on_delete=models.CASCADE, related_name="connections"
    )
    platform_key = models.CharField(max_length=4)
    integration_id = models.UUIDField(default=uuid.uuid4)
    source_id = models.UUIDField(default=uuid.uuid4)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_AUTH)
    created = models.DateTimeField()
    last_sync = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.platform_key} {self.status} ({self.id})"


class _Record(models.Model):
    """One record of one data type; hot query fields are real columns beside the JSON."""

    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=40)
    record_id = models.CharField(max_length=100)
    data = _json_field()
    is_deleted = models.BooleanField(default=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.data_type} {self.record_id}"


class SandboxLedgerRecord(_Record):
    """The accounting software's own record; `version` bumps on every change so syncs see it."""

    version = models.PositiveIntegerField(default=1)
    # The version Codat's cache last copied; a sync picks rows where the two differ, which is a
    # one-table scan (an anti-join against the cache was minutes at 100,000 rows).
    cached_version = models.PositiveIntegerField(default=0)
    source_modified_date = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "data_type", "record_id"], name="sandbox_ledger_unique_record"
            )
        ]


class SandboxCacheRecord(_Record):
    """Codat's cached copy, what /data/* serves; modified_date is when the cache last changed."""

    ledger_version = models.PositiveIntegerField(default=0)
    modified_date = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "data_type", "record_id"], name="sandbox_cache_unique_record"
            )
        ]
        # Incremental syncs filter and sort on modifiedDate within one company and type.
        indexes = [
            models.Index(
                fields=["company", "data_type", "modified_date"], name="sandbox_cache_modified"
            )
        ]


class SandboxDataset(models.Model):
    """A pull operation: copies one data type from the ledger into the cache when it completes."""

    class Status(models.TextChoices):
        QUEUED = "Queued"
        FETCHING = "Fetching"
        COMPLETE = "Complete"
        FETCH_ERROR = "FetchError"
        AUTH_ERROR = "AuthError"
        PREREQUISITE_NOT_MET = "PrerequisiteNotMet"
        VALIDATION_ERROR = "ValidationError"
        INTERNAL_ERROR = "InternalError"
        NOT_SUPPORTED = "NotSupported"
        MAP_ERROR = "MapError"
        PROCESSING_ERROR = "ProcessingError"
        PERMISSIONS_ERROR = "PermissionsError"
        RATE_LIMIT_ERROR = "RateLimitError"
        CANCELLED = "Cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE, related_name="datasets")
    connection = models.ForeignKey(SandboxConnection, on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    requested = models.DateTimeField()
    due = models.DateTimeField(help_text="when the lazy clock completes it")
    completed = models.DateTimeField(null=True, blank=True)
    records_modified = models.BooleanField(default=False)
    initial = models.BooleanField(default=False, help_text="part of the first read after linking")

    class Meta:
        ordering = ["-requested"]
        indexes = [models.Index(fields=["company", "data_type", "status"], name="sandbox_ds_state")]

    def __str__(self) -> str:
        return f"{self.data_type} {self.status} ({self.id})"


class SandboxPushOperation(models.Model):
    """An asynchronous write; the ledger changes only when it completes as Success."""

    class Status(models.TextChoices):
        PENDING = "Pending"
        SUCCESS = "Success"
        FAILED = "Failed"
        TIMED_OUT = "TimedOut"

    key = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE, related_name="pushes")
    connection = models.ForeignKey(SandboxConnection, on_delete=models.CASCADE, related_name="+")
    data_type = models.CharField(max_length=40)
    kind = models.CharField(
        max_length=20, help_text="Create, Update, Delete, UploadAttachment, DeleteAttachment"
    )
    record_id = models.CharField(max_length=100, blank=True, default="")
    body = _json_field(null=True, blank=True)
    attachment = models.ForeignKey(
        "SandboxAttachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    status_code = models.PositiveIntegerField(default=200)
    error_message = models.TextField(null=True, blank=True)
    validation = _json_field(default=dict, blank=True)
    changes = _json_field(null=True, blank=True)
    requested = models.DateTimeField()
    due = models.DateTimeField()
    completed = models.DateTimeField(null=True, blank=True)
    timeout_in_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested"]
        indexes = [models.Index(fields=["company", "status", "due"], name="sandbox_push_due")]

    def __str__(self) -> str:
        return f"{self.data_type} {self.kind} {self.status} ({self.key})"


class SandboxAttachment(models.Model):
    """A file attached to a bill in the ledger (visible once its upload push succeeds)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(SandboxCompany, on_delete=models.CASCADE, related_name="+")
    bill_id = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    content = models.BinaryField()
    created = models.DateTimeField()
    is_visible = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class SandboxIdempotencyKey(models.Model):
    """The first answer to a POST/PATCH with an Idempotency-Key, replayed for 90 minutes."""

    key = models.CharField(max_length=255)
    api_key_hash = models.CharField(max_length=64)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveIntegerField(null=True, blank=True, help_text="null: in flight")
    response_body = models.BinaryField(null=True, blank=True)
    created = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key_hash", "key"], name="sandbox_idem_unique")
        ]

    def __str__(self) -> str:
        return self.key


class SandboxWebhookDelivery(models.Model):
    """One signed webhook message and its delivery attempts; msg_id is stable across retries."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    msg_id = models.CharField(max_length=40, unique=True)
    company = models.ForeignKey(
        SandboxCompany, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=80)
    body = models.TextField(help_text="the exact bytes signed and sent")
    url = models.URLField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "sandbox webhook deliveries"
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sandbox_wh_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.status} ({self.msg_id})"
