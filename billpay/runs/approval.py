"""Pay runs under approval policies (issue 15, point 2): how the engine sees a run.

A run is matched against the payment rules by each of its suppliers' amounts (per currency) and
takes the most demanding rule any of them meets; its approvers approve the run as a whole, never
whoever prepared it. The approval is of the run as it was: a changed amount, date or payment
method starts it over. Bills a bill rule holds are approved one by one first: approving the run
does not stand in for them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from billpay.approvals.models import ApprovalRequest
from billpay.approvals.services import approvals_refresh
from billpay.approvals.subjects import Part, Subject
from billpay.runs.models import PayRun, PayRunLine

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

KIND = ApprovalRequest.Kind.RUN


def run_subject(run: PayRun) -> Subject:
    """One part per supplier and currency (a batch payment across suppliers is split by supplier,
    so a supplier's own rule still applies). One query."""
    rows = (
        PayRunLine.objects.filter(run=run)
        .values("bill__codat_supplier_id", "bill__currency")
        .annotate(total=Sum("amount"))
        .order_by("bill__codat_supplier_id", "bill__currency")
    )
    parts = tuple(Part(r["total"], r["bill__currency"], r["bill__codat_supplier_id"]) for r in rows)
    largest = max(parts, key=lambda p: p.amount, default=Part(Decimal(0), ""))
    totals: dict[str, Decimal] = {}
    for part in parts:
        totals[part.currency] = totals.get(part.currency, Decimal(0)) + part.amount
    currency = max(totals, key=lambda c: totals[c], default=largest.currency)
    return Subject(
        kind=KIND,
        object_id=run.pk,
        label=f"#{run.pk} ({run.payment_date:%Y-%m-%d})",
        amount=totals.get(currency, Decimal(0)),
        currency=currency or "XXX",
        parts=parts,
        requested_by_id=run.created_by_id,
        terms=f"{run.payment_date} {run.method} {run.batch}",
    )


def runs_open(company: Company) -> list[Subject]:
    return [
        run_subject(r) for r in PayRun.objects.filter(company=company, status=PayRun.Status.DRAFT)
    ]


def run_approvals_refresh(*, company: Company, run: PayRun) -> None:
    """The run changed or was prepared: its approval follows (its approvers are asked)."""
    approvals_refresh(company=company, subjects=[run_subject(run)], announce=True)


def run_decide(
    *,
    company: Company,
    actor: User,
    object_id: int,
    decision: str,
    comment: str,
    form_token: uuid.UUID | None = None,
) -> None:
    """A decision on a run (its page, or the "Waiting for me" list): the run's services do it.
    `form_token`: the run as its page showed it (none from the list, which shows its amount)."""
    from billpay.runs.services import run_approve, run_reject

    decide = run_approve if decision == ApprovalRequest.Status.APPROVED else run_reject
    decide(company=company, actor=actor, run_id=object_id, comment=comment, form_token=form_token)
