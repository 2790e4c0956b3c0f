"""The cash check of a run: would paying it overdraw an account it pays from?

It asks the cash forecast (`insights.forecast.account_forecast`) for each account the run pays
from, with the run's payments planned on its date and its bills taken out of the unpaid bills
(so nothing counts twice).

- The run **overdraws** an account (an explicit "yes" is needed to confirm) when the money there
  on the run's date goes below zero: today's balance from the books, minus the payments already
  on their way up to that date, minus the run.
- It also says how low the forecast goes in the 30 days after, counting the unpaid bills on their
  due dates (overdue ones today): a warning to read, not a block, since those bills are not being
  paid yet and the owner decides when they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from billpay.insights.forecast import account_forecast
from billpay.insights.forecast.days import PAYMENTS, PLANNED
from billpay.mapping.models import LedgerAccount
from billpay.mapping.selectors import account_kind

if TYPE_CHECKING:
    from billpay.onboarding.models import Company
    from billpay.runs.models import PayRun

ZERO = Decimal("0")
AFTER_DAYS = 30  # how far past the run's date the check looks


@dataclass(frozen=True)
class Shortfall:
    """One account the run pays from: its forecast balance on the run's date before and after
    the run, and the lowest it then reaches (and when) within AFTER_DAYS.

    The balances are None when the books give no balance to check against (a card account, or
    no balance mirrored): "we cannot check the balance", not an overdraw.
    """

    account: LedgerAccount
    currency: str
    balance_before: Decimal | None  # on the run's date, after the payments already on their way
    run_total: Decimal
    after: Decimal | None
    date: date
    lowest: Decimal | None = None
    lowest_date: date | None = None

    @property
    def unknown(self) -> bool:
        return self.after is None

    @property
    def overdraws(self) -> bool:
        return self.after is not None and self.after < ZERO

    @property
    def short_later(self) -> bool:
        """Not overdrawn by the run, but below zero later as the other unpaid bills fall due."""
        return not self.overdraws and self.lowest is not None and self.lowest < ZERO


def run_cash(company: Company, run: PayRun) -> list[Shortfall]:
    """Every account the run pays from, with its forecast balance around the run's date."""
    today = timezone.localdate()
    pay_day = max(run.payment_date, today)
    totals: dict[int, Decimal] = {}
    currencies: dict[int, str] = {}
    # What a partial payment leaves of a bill still falls due on the bill's date.
    remainders: dict[int, list[tuple[date, Decimal]]] = {}
    bill_ids = []
    for line in run.lines.select_related("group", "bill"):
        bill_ids.append(line.bill_id)
        account_id = line.group.account_id
        if account_id is None:
            continue
        totals[account_id] = totals.get(account_id, ZERO) + line.amount
        currencies[account_id] = line.group.currency
        left = line.bill.amount_due - line.amount
        if left > ZERO:
            due = max(line.bill.due_date or today, today)
            remainders.setdefault(account_id, []).append((due, left))
    if not totals:
        return []
    horizon = (pay_day - today).days + AFTER_DAYS
    accounts = LedgerAccount.objects.filter(company=company, pk__in=totals).order_by("name")
    rows = []
    for account in accounts:
        run_total, currency = totals[account.pk], currencies[account.pk]
        rows.append(Shortfall(account, currency, None, run_total, None, run.payment_date))
        if account.current_balance is None or account_kind(account) != "Debit":
            continue
        forecast = account_forecast(
            company,
            account,
            horizon_days=horizon,
            planned=[(pay_day, run_total), *remainders.get(account.pk, [])],
            exclude_bill_ids=bill_ids,
            today=today,
        )
        if not forecast.has_balance:
            continue
        # The money there on the run's date: what leaves as payments (not as unpaid bills).
        paid_out = sum(
            (
                entry.amount
                for day in forecast.days
                if day.date <= pay_day
                for entry in day.entries
                if entry.kind in (PAYMENTS, PLANNED)
            ),
            ZERO,
        )
        after = forecast.opening_balance - paid_out
        days = [day for day in forecast.days if day.date >= pay_day]
        if days:
            lowest = min(days, key=lambda day: day.balance)
            rows[-1] = Shortfall(
                account=account,
                currency=currency,
                balance_before=after + run_total,
                run_total=run_total,
                after=after,
                date=run.payment_date,
                lowest=lowest.balance,
                lowest_date=lowest.date,
            )
    return rows


def run_shortfalls(company: Company, run: PayRun) -> list[Shortfall]:
    """The accounts the run would overdraw on its date, and those whose balance cannot be
    checked (`unknown`): what the review page warns about."""
    return [row for row in run_cash(company, run) if row.overdraws or row.unknown]
