"""Approval policies (issue 15, point 2): rules, and the approvals each bill, payment or pay run
they cover must collect.

- An `ApprovalRule` says who approves what: bills, or payments (single payments and pay runs),
  within an amount range in the company's base currency, optionally for one supplier only; its
  approvers approve one after the other (each a step), or any one of them does (one step).
- An `ApprovalRequest` is one subject's (a bill's, a payment's, a run's) way through a rule. It
  copies the rule's steps when it starts, so a rule edited later does not change an approval
  half-way; it remembers the subject's amount (`fingerprint`): an approval of another amount does
  not stand. At most one request per subject is open or approved at a time.
- An `ApprovalDecision` is one step decided, with its comment; a rejection ends the request.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billpay.core.models import AMOUNT, TimestampedModel


class ApprovalRule(TimestampedModel):
    class AppliesTo(models.TextChoices):
        BILLS = "bills", _("Bills")
        PAYMENTS = "payments", _("Payments and pay runs")

    class Mode(models.TextChoices):
        SEQUENCE = "sequence", _("Each of them, one after the other")
        ANY = "any", _("Any one of them")

    company = models.ForeignKey(
        "onboarding.Company", on_delete=models.CASCADE, related_name="approval_rules"
    )
    applies_to = models.CharField(max_length=20, choices=AppliesTo.choices)
    min_amount = models.DecimalField(**AMOUNT, null=True, blank=True)  # from, inclusive
    max_amount = models.DecimalField(**AMOUNT, null=True, blank=True)  # up to, inclusive
    # Empty: every supplier. Else only this supplier's bills or payments.
    codat_supplier_id = models.CharField(max_length=100, blank=True)
    supplier_name = models.CharField(max_length=300, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.SEQUENCE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True)
                | Q(max_amount__isnull=True)
                | Q(min_amount__lte=models.F("max_amount")),
                name="approval_rule_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}: {self.applies_to} {self.min_amount}..{self.max_amount}"

    @property
    def precedence(self) -> tuple:
        """Sort key: a supplier's own rule first, then the higher floor, then the older rule."""
        return (not self.codat_supplier_id, -(self.min_amount or 0), self.pk or 0)


class RuleApprover(models.Model):
    """An approver of a rule, at their place in the order."""

    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "user"], name="rule_approver_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} #{self.position}: {self.user_id}"


class ApprovalRequest(TimestampedModel):
    class Kind(models.TextChoices):
        BILL = "bill", _("Bill")
        PAYMENT = "payment", _("Payment")
        RUN = "run", _("Pay run")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("No longer needed")

    ACTIVE = (Status.PENDING, Status.APPROVED)

    company = models.ForeignKey("onboarding.Company", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=300)  # e.g. "Acme Ltd INV-12", as the lists show it
    amount = models.DecimalField(**AMOUNT)
    currency = models.CharField(max_length=3)
    fingerprint = models.CharField(max_length=64)  # what was approved, hashed (see Subject)
    rule = models.ForeignKey(
        ApprovalRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    mode = models.CharField(max_length=10, choices=ApprovalRule.Mode.choices)
    steps = models.JSONField(default=list)  # [[user id, ...], ...]: who may decide each step
    step = models.PositiveSmallIntegerField(default=0)  # the step waiting (== len(steps): done)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["company", "kind", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "kind", "object_id"],
                condition=Q(status__in=["pending", "approved"]),
                name="approval_request_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.status} ({self.step}/{len(self.steps)})"

    @property
    def ref(self) -> str:
        """The subject's audit reference (its activity lists the decisions)."""
        return f"{self.kind}:{self.object_id}"


class ApprovalDecision(models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step"]
        constraints = [
            models.UniqueConstraint(fields=["request", "step"], name="approval_decision_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} step {self.step}: {self.decision} by {self.user_id}"
