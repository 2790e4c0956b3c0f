"""Accounts mirrored from the books' chart of accounts (bank accounts have is_bank_account)."""

from django.db import models

from billpay.core.models import AMOUNT, MirroredModel


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

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "codat_account_id"], name="account_codat_id_unique"
            )
        ]
        indexes = [models.Index(fields=["company", "is_bank_account"])]

    def __str__(self) -> str:
        return self.name or self.codat_account_id
