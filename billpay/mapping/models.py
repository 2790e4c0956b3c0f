"""Accounts mirrored from the books' chart of accounts (bank accounts have is_bank_account)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from billpay.core.models import AMOUNT, MirroredModel, TimestampedModel


class LedgerAccount(MirroredModel):
    codat_account_id = models.CharField(max_length=100)
    name = models.CharField(max_length=300, blank=True)
    nominal_code = models.CharField(max_length=100, blank=True)
    fully_qualified_name = models.CharField(max_length=500, blank=True)
    fully_qualified_category = models.CharField(max_length=300, blank=True)
    account_type = models.CharField(max_length=20, blank=True)  # Asset, Expense, Liability…
    status = models.CharField(max_length=20, blank=True)  # Active, Archived…
    currency = models.CharField(max_length=3, blank=True)
    current_balance = models.DecimalField(**AMOUNT, null=True, blank=True)
    is_bank_account = models.BooleanField(default=False)
    # When we first mirrored it (empty: before this was recorded). An account first seen after
    # one of our pushes was sent may be the one that push created.
    first_seen_at = models.DateTimeField(default=timezone.now, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "codat_account_id"], name="account_codat_id_unique"
            )
        ]
        indexes = [models.Index(fields=["company", "is_bank_account"])]

    def __str__(self) -> str:
        return self.name or self.codat_account_id


class AccountMapping(TimestampedModel):
    """Which account in the books a payment method pays from, per currency."""

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="account_mappings"
    )
    method = models.CharField(max_length=40)  # a key of settings.PAYMENT_METHODS
    currency = models.CharField(max_length=3)
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="mappings")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["method", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "method", "currency"], name="accountmapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.currency} → {self.account}"


class BankAccountRequest(TimestampedModel):
    """A bank or card account we asked the books to create; mapped once its push succeeds.

    Only what was asked for and what came of it live here: sending it to the books is its
    `push` (billpay.pushes), whose status is the one the pages show.
    """

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="bank_account_requests"
    )
    method = models.CharField(max_length=40)
    currency = models.CharField(max_length=3)
    account_type = models.CharField(max_length=10)  # Codat accountType: Debit | Credit
    account_name = models.CharField(max_length=150)
    account_number = models.CharField(max_length=60, blank=True)
    nominal_code = models.CharField(max_length=60, blank=True)
    institution = models.CharField(max_length=150, blank=True)
    push = models.OneToOneField(
        "pushes.Push", on_delete=models.PROTECT, related_name="bank_account_request"
    )
    account = models.ForeignKey(
        LedgerAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.account_name} ({self.account_type}, {self.currency})"

    @property
    def status_label(self) -> str:
        """The push's status in the request's words (its push is select_related)."""
        if self.push.status == self.push.Status.SUCCEEDED:
            return gettext("Created")
        return self.push.get_status_display()
