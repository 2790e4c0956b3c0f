from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


AMOUNT = {"max_digits": 19, "decimal_places": 4}


class MirroredModel(models.Model):
    """Fields every record mirrored from Codat has: keyed by (company, codat id) in subclasses."""

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    modified_date = models.DateTimeField(null=True, blank=True)  # Codat's modifiedDate
    is_deleted = models.BooleanField(default=False)  # metadata.isDeleted, or gone from the books
    # Codat's record as received. Amounts inside are Decimals, which DjangoJSONEncoder writes as
    # strings: exact, never through float (the typed columns are what the app computes with).
    raw = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """Who did what, when, in which company. Append-only."""

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64)  # dotted, e.g. "membership.created"
    target = models.CharField(max_length=200, blank=True)  # a readable name of the object
    ref = models.CharField(
        max_length=100, blank=True, db_index=True
    )  # e.g. "bill:42", for activity
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target}".strip()
