"""What an approval is of: a bill, a payment or a pay run, as the engine sees it.

The apps above (bills, payments, runs) describe their records as `Subject`s; the engine never
imports them (DESIGN.md: approvals sits below them and reaches them through `hooks`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from billpay.approvals.models import ApprovalRequest, ApprovalRule

KIND_RULES = {
    ApprovalRequest.Kind.BILL: ApprovalRule.AppliesTo.BILLS,
    ApprovalRequest.Kind.PAYMENT: ApprovalRule.AppliesTo.PAYMENTS,
    ApprovalRequest.Kind.RUN: ApprovalRule.AppliesTo.PAYMENTS,
}


@dataclass(frozen=True)
class Part:
    """One amount a rule is matched against: a bill, a payment, or one payment of a run."""

    amount: Decimal
    currency: str
    codat_supplier_id: str = ""


@dataclass(frozen=True)
class Subject:
    kind: str  # ApprovalRequest.Kind
    object_id: int
    label: str  # what the lists show, e.g. "Acme Ltd INV-12"
    amount: Decimal  # the total shown (in `currency`; a run of several currencies: its largest)
    currency: str
    parts: tuple[Part, ...]
    requested_by_id: int | None = None  # who created or prepared it: never its approver
    terms: str = ""  # what else an approval is of (a payment's date and account)

    @property
    def applies_to(self) -> str:
        return KIND_RULES[self.kind]

    @property
    def fingerprint(self) -> str:
        """The amounts an approval is of: another fingerprint, and the approval no longer stands."""
        parts = sorted(self.parts, key=lambda p: (p.codat_supplier_id, p.currency, p.amount))
        amounts = "|".join(
            f"{p.currency} {p.amount.normalize():f} {p.codat_supplier_id}" for p in parts
        )
        return hashlib.sha256(f"{amounts}|{self.terms}".encode()).hexdigest()
