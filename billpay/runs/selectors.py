"""Reads for pay runs: company-scoped, with everything the run pages show prefetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from billpay.bills.models import Bill
from billpay.core.words import stored_text
from billpay.payments.models import Payment
from billpay.payments.selectors import bill_needs_approval, payment_settings_get
from billpay.runs.models import PayRun, PayRunGroup, PayRunLine

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

ZERO = Decimal("0")
P = Payment.Status


@dataclass(frozen=True)
class RunProgress:
    """Where the run's payments are: counts by state, and what is left."""

    groups: int
    prepared: int = 0  # not confirmed yet
    scheduled: int = 0
    sending: int = 0
    recorded: int = 0  # in the books, waiting to show in the mirrored bills
    verified: int = 0
    failed: int = 0  # failed, held or cancelled: someone needs to look
    totals: list[tuple[str, Decimal]] = field(default_factory=list)  # (currency, total)

    @property
    def left(self) -> int:
        """Payments not finished yet (neither verified nor failed)."""
        return self.groups - self.verified - self.failed

    @property
    def done_share(self) -> int:
        """Percent of payments verified (for the progress bar)."""
        return round(100 * self.verified / self.groups) if self.groups else 0


def run_list(company: Company) -> QuerySet[PayRun]:
    """The company's runs, newest first, with who made and confirmed them and their groups."""
    return (
        PayRun.objects.filter(company=company)
        .select_related("created_by", "confirmed_by")
        .prefetch_related(
            Prefetch("groups", queryset=PayRunGroup.objects.only("run_id", "currency", "total"))
        )
        .order_by("-created_at", "-id")
    )


def run_get(company: Company, run_id: int) -> PayRun:
    """One run of the company with its groups, lines, bills, accounts and payments; 404 for
    anyone else's."""
    run = (
        PayRun.objects.filter(company=company, pk=run_id)
        .select_related("created_by", "approved_by", "confirmed_by")
        .prefetch_related(
            Prefetch(
                "groups",
                queryset=PayRunGroup.objects.select_related(
                    "account", "payment", "payment__push"
                ).prefetch_related(
                    Prefetch(
                        "lines",
                        queryset=PayRunLine.objects.select_related("bill").order_by(
                            "bill__due_date", "bill_id"
                        ),
                    )
                ),
            )
        )
        .first()
    )
    if run is None:
        raise Http404("No such pay run.")
    return run


def run_progress(run: PayRun) -> RunProgress:
    """Counts of the run's payments by state (from the prefetched groups)."""
    counts = dict.fromkeys(
        ("prepared", "scheduled", "sending", "recorded", "verified", "failed"), 0
    )
    totals: dict[str, Decimal] = {}
    groups = list(run.groups.all())
    for group in groups:
        totals[group.currency] = totals.get(group.currency, ZERO) + group.total
        status = group.payment.status if group.payment_id else P.DRAFT
        counts[_bucket(status)] += 1
    return RunProgress(groups=len(groups), totals=sorted(totals.items()), **counts)


def _bucket(status: str) -> str:
    return {
        P.DRAFT: "prepared",
        P.SCHEDULED: "scheduled",
        P.SENDING: "sending",
        P.PENDING: "recorded",
        P.VERIFIED: "verified",
    }.get(status, "failed")


def run_totals(run: PayRun) -> list[tuple[str, Decimal]]:
    """The run's total per currency (from the prefetched groups)."""
    totals: dict[str, Decimal] = {}
    for group in run.groups.all():
        totals[group.currency] = totals.get(group.currency, ZERO) + group.total
    return sorted(totals.items())


def run_bills_needing_approval(*, company: Company, run: PayRun) -> list[Bill]:
    """The run's bills the approval policy holds (threshold, review): any makes the run need an
    owner's approval."""
    threshold = payment_settings_get(company=company).approval_threshold
    if threshold is None:
        return []
    bills = Bill.objects.filter(company=company, pk__in=run.lines.values("bill_id"))
    return [b for b in bills if bill_needs_approval(company=company, bill=b, threshold=threshold)]


def run_left_out(*, company: Company, run: PayRun) -> list[tuple[Bill | None, str]]:
    """The picked bills the run leaves out, each with the reason in words (the reader's)."""
    ids = [item["bill"] for item in run.left_out]
    bills = Bill.objects.filter(company=company, pk__in=ids).in_bulk()
    return [
        (bills.get(item["bill"]), stored_text(item.get("reason", ""), item.get("reason_i18n")))
        for item in run.left_out
    ]
