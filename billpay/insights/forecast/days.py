"""What a forecast is made of: a day's outflow in words, the days, and one account's forecast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext, ngettext_lazy

from billpay.core.money import format_money
from billpay.insights.charts import LineChart, balance_chart

if TYPE_CHECKING:
    from billpay.mapping.models import LedgerAccount

ZERO = Decimal("0")

# What leaves an account on a day, in words: (one, several).
OVERDUE, BILLS, PAYMENTS, PLANNED = "overdue", "bills", "payments", "planned"
ENTRY_WORDS = {
    OVERDUE: ngettext_lazy("%(count)d overdue bill", "%(count)d overdue bills", "count"),
    BILLS: ngettext_lazy("%(count)d bill due", "%(count)d bills due", "count"),
    PAYMENTS: ngettext_lazy("%(count)d payment going out", "%(count)d payments going out", "count"),
    PLANNED: ngettext_lazy("%(count)d planned payment", "%(count)d planned payments", "count"),
}
ENTRY_ORDER = (OVERDUE, BILLS, PAYMENTS, PLANNED)


@dataclass(frozen=True)
class ForecastEntry:
    """Part of a day's outflow: `count` bills or payments of one kind, for `amount`."""

    kind: str
    count: int
    amount: Decimal

    @property
    def label(self) -> str:
        """ "3 bills due", "1 payment going out"."""
        return ENTRY_WORDS[self.kind] % {"count": self.count}


@dataclass(frozen=True)
class ForecastDay:
    date: date
    outflow: Decimal
    balance: Decimal | None  # None when the books give the account no balance
    entries: tuple[ForecastEntry, ...] = ()
    currency: str = ""

    @property
    def below_zero(self) -> bool:
        return self.balance is not None and self.balance < ZERO

    @property
    def describe(self) -> str:
        """What leaves the account that day, in words ("2 bills due ($300.00)")."""
        return "; ".join(
            gettext("%(what)s (%(amount)s)")
            % {"what": entry.label, "amount": format_money(entry.amount, self.currency)}
            for entry in self.entries
        )


@dataclass(frozen=True)
class Forecast:
    """One account's balance over the horizon, and what makes it move."""

    account: LedgerAccount
    currency: str
    opening_balance: Decimal | None
    days: list[ForecastDay]
    bill_currencies: tuple[str, ...]  # whose unpaid bills count against this account
    include_unapproved: bool
    undated: ForecastEntry | None = None  # bills with no due date: owed, but on no day
    left_out: ForecastEntry | None = None  # bills waiting for approval, when not included

    @property
    def has_balance(self) -> bool:
        return self.opening_balance is not None

    @property
    def total_outflow(self) -> Decimal:
        return sum((day.outflow for day in self.days), ZERO)

    @property
    def closing_balance(self) -> Decimal | None:
        return self.days[-1].balance if self.days else self.opening_balance

    @property
    def lowest_day(self) -> ForecastDay | None:
        """The first day with the lowest balance (None without a balance)."""
        if not self.has_balance or not self.days:
            return None
        return min(self.days, key=lambda day: day.balance)

    @property
    def lowest_balance(self) -> Decimal | None:
        lowest = self.lowest_day
        return lowest.balance if lowest else self.opening_balance

    @property
    def first_below_zero(self) -> date | None:
        return next((day.date for day in self.days if day.below_zero), None)

    @property
    def days_below_zero(self) -> int:
        return sum(1 for day in self.days if day.below_zero)

    @property
    def chart(self) -> LineChart | None:
        """The balance as a step line (None without a balance: nothing to draw)."""
        if self.opening_balance is None:
            return None
        return balance_chart(self.opening_balance, [day.balance for day in self.days])

    @property
    def moving_days(self) -> list[ForecastDay]:
        """Today and every day something leaves the account (the balance moves only then)."""
        return [day for i, day in enumerate(self.days) if i == 0 or day.outflow]
