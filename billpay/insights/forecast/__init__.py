"""The cash forecast: each mapped bank account's balance, day by day (reads only).

How money is counted against an account (the forecast page says the same in plain words):

- The opening balance is the account's current balance as the books last reported it
  (`LedgerAccount.current_balance`). When the books give none, the forecast says so: it lists
  what leaves the account but invents no balance (`opening_balance` and every day's `balance`
  are None).
- Payments made here that the books do not show yet (`Payment.IN_FLIGHT`: prepared, scheduled,
  sending, recorded but not yet seen in the mirrored bills) leave the account they are paid from
  on their payment date, or today when that date has passed.
- A bill is tied to no account until it is paid. An unpaid bill counts against the account its
  payment would most likely come from: the account mapped for the bill's currency to the first
  bank method (`PAYMENT_METHODS` order: bank transfer, then check). Cards are not cash: a card
  account gets no forecast, and a currency mapped only to a card (or not at all) counts against
  no account (`CompanyForecast.unattributed` says how much).
- A bill counts for what is left to pay once the payments in flight for it (counted above as
  payments) are taken off, on its due date; an overdue bill counts today; a bill with no due date
  is not dated (`Forecast.undated`). Rejected bills never count; bills waiting for approval under
  the company's rule count only when `include_unapproved`.
- `planned` adds outflows that do not exist yet (a pay run being reviewed) and `exclude_bill_ids`
  takes the bills they pay out of the unpaid bills, so nothing counts twice.

Every figure comes from a constant number of queries, aggregated in the database: one over the
bills (grouped by currency and due date, cached until the bills change: `snapshot`), one over the allocations of payments in flight (a few
rows: what is being paid now) and one over those payments (grouped by account and date).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils import timezone

from billpay.insights.forecast.days import (
    BILLS,
    ENTRY_ORDER,
    OVERDUE,
    PAYMENTS,
    PLANNED,
    ZERO,
    Forecast,
    ForecastDay,
    ForecastEntry,
)
from billpay.insights.forecast.snapshot import (
    AMOUNT_SUM,
    Attribution,
    DueGroup,
    PaymentGroup,
    Reserved,
    Snapshot,
    bank_account_attribution,
    due_snapshot,
)

if TYPE_CHECKING:
    from billpay.mapping.models import LedgerAccount
    from billpay.onboarding.models import Company

__all__ = [
    "AMOUNT_SUM",
    "HORIZONS",
    "ZERO",
    "Attribution",
    "CompanyForecast",
    "DueGroup",
    "Forecast",
    "ForecastDay",
    "ForecastEntry",
    "PaymentGroup",
    "Reserved",
    "Snapshot",
    "account_forecast",
    "bank_account_attribution",
    "company_forecasts",
    "due_snapshot",
    "forecast_from",
]

HORIZONS = (30, 60, 90)


@dataclass(frozen=True)
class CompanyForecast:
    """Every mapped bank account's forecast, and the bills no bank account would pay."""

    today: date
    horizon_days: int
    include_unapproved: bool
    forecasts: list[Forecast]
    unattributed: list[tuple[str, ForecastEntry]]  # (currency, bills in the horizon)
    snapshot: Snapshot


def account_forecast(
    company: Company,
    account: LedgerAccount,
    *,
    horizon_days: int = 30,
    include_unapproved: bool = True,
    planned: Iterable[tuple[date, Decimal]] = (),
    exclude_bill_ids: Iterable[int] = (),
    today: date | None = None,
) -> Forecast:
    """One account's forecast over `horizon_days` days from today (see the module docstring).

    `planned`: (date, amount) outflows to add, e.g. a pay run's groups paid from this account;
    `exclude_bill_ids`: unpaid bills not to count on their due dates because `planned` pays them.
    Raises Http404 for another company's account. Five queries.
    """
    if account.company_id != company.pk:
        raise Http404("No such account.")
    today = today or timezone.localdate()
    attribution = bank_account_attribution(company=company)
    currencies = attribution.currencies_of(account)
    snapshot = due_snapshot(
        company=company,
        today=today,
        currencies=currencies,
        account_ids=[account.pk],
        exclude_bill_ids=exclude_bill_ids,
    )
    return forecast_from(
        snapshot,
        account=account,
        currencies=currencies,
        horizon_days=horizon_days,
        include_unapproved=include_unapproved,
        planned=planned,
        today=today,
    )


def company_forecasts(
    *,
    company: Company,
    horizon_days: int = 30,
    include_unapproved: bool = True,
    today: date | None = None,
) -> CompanyForecast:
    """Every mapped bank account's forecast at once (the dashboard's and the forecast page's).
    Five queries, whatever the number of accounts and bills."""
    today = today or timezone.localdate()
    attribution = bank_account_attribution(company=company)
    snapshot = due_snapshot(company=company, today=today)
    forecasts = [
        forecast_from(
            snapshot,
            account=account,
            currencies=attribution.currencies_of(account),
            horizon_days=horizon_days,
            include_unapproved=include_unapproved,
            today=today,
        )
        for account in attribution.accounts
    ]
    others = sorted({g.currency for g in snapshot.groups} - set(attribution.by_currency))
    unattributed = []
    for currency in others:
        days = _bill_days(
            snapshot, [currency], include_unapproved, today, _last(today, horizon_days)
        )
        count = sum(entry.count for entries in days.values() for entry in entries)
        amount = sum((entry.amount for entries in days.values() for entry in entries), ZERO)
        if count:
            unattributed.append((currency, ForecastEntry(BILLS, count, amount)))
    return CompanyForecast(
        today=today,
        horizon_days=horizon_days,
        include_unapproved=include_unapproved,
        forecasts=forecasts,
        unattributed=unattributed,
        snapshot=snapshot,
    )


def _last(today: date, horizon_days: int) -> date:
    return today + timedelta(days=max(horizon_days, 1) - 1)


def forecast_from(
    snapshot: Snapshot,
    *,
    account: LedgerAccount,
    currencies: Iterable[str],
    horizon_days: int,
    include_unapproved: bool,
    today: date,
    planned: Iterable[tuple[date, Decimal]] = (),
) -> Forecast:
    """The day-by-day forecast of one account from an aggregated snapshot (no query)."""
    currencies = tuple(currencies)
    last = _last(today, horizon_days)
    entries = _bill_days(snapshot, currencies, include_unapproved, today, last)
    for group in snapshot.payments:
        when = max(group.payment_date, today)
        if group.account_id == account.pk and when <= last:
            entries[when].append(ForecastEntry(PAYMENTS, group.count, group.amount))
    for when, amount in planned:
        when = max(when, today)
        if when <= last:
            entries[when].append(ForecastEntry(PLANNED, 1, amount))
    opening = account.current_balance
    balance = opening
    days = []
    for offset in range((last - today).days + 1):
        day = today + timedelta(days=offset)
        merged = _merge(entries.get(day, []))
        outflow = sum((entry.amount for entry in merged), ZERO)
        if balance is not None:
            balance -= outflow
        days.append(ForecastDay(day, outflow, balance, merged, account.currency))
    return Forecast(
        account=account,
        currency=account.currency,
        opening_balance=opening,
        days=days,
        bill_currencies=currencies,
        include_unapproved=include_unapproved,
        undated=_undated(snapshot, currencies, include_unapproved),
        left_out=None if include_unapproved else _waiting(snapshot, currencies, last),
    )


def _counted(group: DueGroup, include_unapproved: bool) -> tuple[int, Decimal]:
    count = group.count - group.rejected_count
    amount = group.amount - group.rejected_amount
    if not include_unapproved:
        count -= group.waiting_count
        amount -= group.waiting_amount
    return count, amount


def _bill_days(
    snapshot: Snapshot,
    currencies: Iterable[str],
    include_unapproved: bool,
    today: date,
    last: date,
) -> dict[date, list[ForecastEntry]]:
    """The bills of `currencies` left to pay, per day they count on (dated, up to `last`)."""
    wanted = set(currencies)
    counted: dict[date | None, list] = defaultdict(lambda: [0, ZERO])
    for group in snapshot.groups:
        if group.currency in wanted:
            count, amount = _counted(group, include_unapproved)
            cell = counted[group.due_date]
            cell[0] += count
            cell[1] += amount
    counts_as = {"ok", "waiting"} if include_unapproved else {"ok"}
    for part in snapshot.reserved:
        if part.currency in wanted and part.state in counts_as:
            cell = counted[part.due_date]
            cell[0] -= 1 if part.covers_all else 0
            cell[1] -= part.amount
    days: dict[date, list[ForecastEntry]] = defaultdict(list)
    for due, (count, amount) in counted.items():
        if due is None or due > last or (count <= 0 and amount <= ZERO):
            continue
        kind = OVERDUE if due < today else BILLS
        days[max(due, today)].append(ForecastEntry(kind, count, amount))
    return days


def _merge(entries: list[ForecastEntry]) -> tuple[ForecastEntry, ...]:
    """One entry per kind, in a fixed order."""
    totals: dict[str, list] = {}
    for entry in entries:
        cell = totals.setdefault(entry.kind, [0, ZERO])
        cell[0] += entry.count
        cell[1] += entry.amount
    return tuple(ForecastEntry(k, *totals[k]) for k in ENTRY_ORDER if k in totals)


def _undated(
    snapshot: Snapshot, currencies: tuple[str, ...], include: bool
) -> ForecastEntry | None:
    count, amount = 0, ZERO
    for group in snapshot.groups:
        if group.currency in currencies and group.due_date is None:
            n, due = _counted(group, include)
            count, amount = count + n, amount + due
    for part in snapshot.reserved:
        counts = part.state == "ok" or (include and part.state == "waiting")
        if part.currency in currencies and part.due_date is None and counts:
            count -= 1 if part.covers_all else 0
            amount -= part.amount
    return ForecastEntry(BILLS, count, amount) if count > 0 else None


def _waiting(snapshot: Snapshot, currencies: tuple[str, ...], last: date) -> ForecastEntry | None:
    """Bills waiting for approval that a forecast without them leaves out (dated up to `last`)."""
    count, amount = 0, ZERO
    for group in snapshot.groups:
        if group.currency in currencies and group.due_date and group.due_date <= last:
            count, amount = count + group.waiting_count, amount + group.waiting_amount
    for part in snapshot.reserved:
        dated = part.due_date is not None and part.due_date <= last
        if part.currency in currencies and part.state == "waiting" and dated:
            count -= 1 if part.covers_all else 0
            amount -= part.amount
    return ForecastEntry(BILLS, count, amount) if count > 0 else None
