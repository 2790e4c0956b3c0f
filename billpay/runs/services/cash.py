"""The cash check of a run: would paying it overdraw an account it pays from?

Today's balance is the account's `currentBalance` from the books (mirrored in mapping); what is
already on its way from the account up to the run's date (scheduled, sending, recorded but not
yet seen in the books) comes off it, then the run's own payments from that account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from billpay.mapping.models import LedgerAccount
from billpay.mapping.selectors import account_kind
from billpay.payments.models import Payment

if TYPE_CHECKING:
    from billpay.onboarding.models import Company
    from billpay.runs.models import PayRun

ZERO = Decimal("0")
ON_ITS_WAY = (Payment.Status.SCHEDULED, Payment.Status.SENDING, Payment.Status.PENDING)


@dataclass(frozen=True)
class Shortfall:
    """One account the run pays from: its balance before the run, the run's total, and after.

    `balance_before` and `after` are None when the books give no balance to check against (a
    card account, or no balance mirrored): "we cannot check the balance", not an overdraw.
    """

    account: LedgerAccount
    currency: str
    balance_before: Decimal | None
    run_total: Decimal
    after: Decimal | None
    date: date

    @property
    def unknown(self) -> bool:
        return self.after is None

    @property
    def overdraws(self) -> bool:
        return self.after is not None and self.after < ZERO


def run_cash(company: Company, run: PayRun) -> list[Shortfall]:
    """Every account the run pays from, with its balance before and after the run's date."""
    totals: dict[int, Decimal] = {}
    currencies: dict[int, str] = {}
    for group in run.groups.all():
        if group.account_id is None:
            continue
        totals[group.account_id] = totals.get(group.account_id, ZERO) + group.total
        currencies[group.account_id] = group.currency
    if not totals:
        return []
    accounts = LedgerAccount.objects.filter(company=company, pk__in=totals).order_by("name")
    already = dict(
        Payment.objects.filter(
            company=company,
            account_id__in=totals,
            status__in=ON_ITS_WAY,
            payment_date__lte=run.payment_date,
        )
        .exclude(run_group__run=run)
        .values("account_id")
        .annotate(total=Sum("total_amount"))
        .values_list("account_id", "total")
    )
    rows = []
    for account in accounts:
        run_total = totals[account.pk]
        checkable = account.current_balance is not None and account_kind(account) == "Debit"
        before = account.current_balance - already.get(account.pk, ZERO) if checkable else None
        rows.append(
            Shortfall(
                account=account,
                currency=currencies[account.pk],
                balance_before=before,
                run_total=run_total,
                after=before - run_total if before is not None else None,
                date=run.payment_date,
            )
        )
    return rows


def run_shortfalls(company: Company, run: PayRun) -> list[Shortfall]:
    """The accounts the run would overdraw on its date, and those whose balance cannot be
    checked (`unknown`): what the review page warns about."""
    return [row for row in run_cash(company, run) if row.overdraws or row.unknown]
