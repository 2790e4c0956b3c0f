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
bills (grouped by currency and due date), one over the allocations of payments in flight (a few
rows: what is being paid now) and one over those payments (grouped by account and date).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from billpay.bills.models import TO_PAY, Bill
from billpay.core.money import format_money
from billpay.insights.charts import LineChart, balance_chart
from billpay.mapping.selectors import account_kind, account_usable, mapping_list, payment_methods
from billpay.payments.models import Payment, PaymentAllocation
from billpay.payments.selectors import bill_needs_approval, payment_settings_get

if TYPE_CHECKING:
    from billpay.mapping.models import LedgerAccount
    from billpay.onboarding.models import Company

ZERO = Decimal("0")
AMOUNT_SUM = DecimalField(max_digits=19, decimal_places=4)
HORIZONS = (30, 60, 90)

# What leaves an account on a day, in words: (one, several).
OVERDUE, BILLS, PAYMENTS, PLANNED = "overdue", "bills", "payments", "planned"
ENTRY_WORDS = {
    OVERDUE: ("overdue bill", "overdue bills"),
    BILLS: ("bill due", "bills due"),
    PAYMENTS: ("payment going out", "payments going out"),
    PLANNED: ("planned payment", "planned payments"),
}
ENTRY_ORDER = (OVERDUE, BILLS, PAYMENTS, PLANNED)

# The same bill rule as the approval gate (payments.selectors.bill_needs_approval), in SQL, for
# bills that are not rejected: not approved, and over the threshold or in another currency.
_PENDING = Q(review_status=Bill.Review.PENDING)
_REJECTED = Q(review_status=Bill.Review.REJECTED)


@dataclass(frozen=True)
class ForecastEntry:
    """Part of a day's outflow: `count` bills or payments of one kind, for `amount`."""

    kind: str
    count: int
    amount: Decimal

    @property
    def label(self) -> str:
        """ "3 bills due", "1 payment going out"."""
        one, several = ENTRY_WORDS[self.kind]
        return f"{self.count} {one if self.count == 1 else several}"


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
            f"{entry.label} ({format_money(entry.amount, self.currency)})" for entry in self.entries
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


@dataclass(frozen=True)
class DueGroup:
    """The unpaid bills of one currency due on one date (None: no due date), as the books have them."""

    currency: str
    due_date: date | None
    count: int
    amount: Decimal
    waiting_count: int  # need approval under the company's rule and are not approved
    waiting_amount: Decimal
    rejected_count: int
    rejected_amount: Decimal


@dataclass(frozen=True)
class Reserved:
    """What payments in flight already take of one unpaid bill (at most its amount due)."""

    currency: str
    due_date: date | None
    state: str  # "ok", "waiting" or "rejected": which part of its DueGroup the bill is in
    amount: Decimal
    covers_all: bool


@dataclass(frozen=True)
class PaymentGroup:
    account_id: int
    payment_date: date
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Snapshot:
    """The company's unpaid bills and payments in flight, aggregated once."""

    groups: list[DueGroup]
    reserved: list[Reserved]
    payments: list[PaymentGroup]
    threshold: Decimal | None


@dataclass(frozen=True)
class Attribution:
    """The mapped bank accounts, and the account each currency's bills count against."""

    accounts: list[LedgerAccount]
    by_currency: dict[str, LedgerAccount] = field(default_factory=dict)

    def currencies_of(self, account: LedgerAccount) -> tuple[str, ...]:
        return tuple(sorted(c for c, a in self.by_currency.items() if a.pk == account.pk))


@dataclass(frozen=True)
class CompanyForecast:
    """Every mapped bank account's forecast, and the bills no bank account would pay."""

    today: date
    horizon_days: int
    include_unapproved: bool
    forecasts: list[Forecast]
    unattributed: list[tuple[str, ForecastEntry]]  # (currency, bills in the horizon)
    snapshot: Snapshot


def bank_account_attribution(*, company: Company) -> Attribution:
    """Mapped bank (debit) accounts, and for each currency the account its bills count against:
    the one mapped to the first bank method in `PAYMENT_METHODS` order. One query."""
    mappings = list(mapping_list(company=company))
    accounts: dict[int, LedgerAccount] = {}
    by_currency: dict[str, LedgerAccount] = {}
    for key, _label, kind in payment_methods():
        if kind != "Debit":
            continue
        for mapping in mappings:
            account = mapping.account
            if mapping.method != key or not account_usable(account):
                continue
            if account_kind(account) != "Debit":
                continue
            by_currency.setdefault(mapping.currency, account)
            accounts.setdefault(account.pk, account)
    ordered = sorted(accounts.values(), key=lambda a: (a.currency, a.name, a.pk))
    return Attribution(accounts=ordered, by_currency=by_currency)


def due_snapshot(
    *,
    company: Company,
    currencies: Iterable[str] | None = None,
    account_ids: Iterable[int] | None = None,
    exclude_bill_ids: Iterable[int] = (),
) -> Snapshot:
    """Unpaid bills by currency and due date, what payments in flight take of them, and those
    payments by account and date. Four queries, whatever the number of bills."""
    threshold = payment_settings_get(company=company).approval_threshold
    excluded = list(exclude_bill_ids)
    bills = Bill.objects.filter(TO_PAY, company=company)
    if currencies is not None:
        bills = bills.filter(currency__in=list(currencies))
    if excluded:
        bills = bills.exclude(pk__in=excluded)
    zero = Value(ZERO, output_field=AMOUNT_SUM)
    aggregates = {
        "n": Count("id"),
        "due": Coalesce(Sum("amount_due"), zero),
        "n_rejected": Count("id", filter=_REJECTED),
        "due_rejected": Coalesce(Sum("amount_due", filter=_REJECTED), zero),
    }
    waiting = _waiting_q(company=company, threshold=threshold)
    if waiting is not None:
        aggregates["n_waiting"] = Count("id", filter=waiting)
        aggregates["due_waiting"] = Coalesce(Sum("amount_due", filter=waiting), zero)
    rows = bills.values("currency", "due_date").annotate(**aggregates).order_by()
    groups = [
        DueGroup(
            currency=row["currency"],
            due_date=row["due_date"],
            count=row["n"],
            amount=row["due"],
            waiting_count=row.get("n_waiting", 0),
            waiting_amount=row.get("due_waiting", ZERO),
            rejected_count=row["n_rejected"],
            rejected_amount=row["due_rejected"],
        )
        for row in rows
    ]
    return Snapshot(
        groups=groups,
        reserved=_reserved(
            company=company, threshold=threshold, currencies=currencies, excluded=excluded
        ),
        payments=_payments(company=company, account_ids=account_ids),
        threshold=threshold,
    )


def _waiting_q(*, company: Company, threshold: Decimal | None) -> Q | None:
    if threshold is None:
        return None  # no approval rule: nothing waits
    return _PENDING & (~Q(currency=company.base_currency) | Q(total_amount__gt=threshold))


def _reserved(
    *,
    company: Company,
    threshold: Decimal | None,
    currencies: Iterable[str] | None,
    excluded: list[int],
) -> list[Reserved]:
    """Per unpaid bill with payments in flight: what they take of it (never more than is due)."""
    to_pay = Q(bill__amount_due__gt=0, bill__is_deleted=False) & ~Q(
        bill__codat_status__in=["Void", "Draft"]
    )
    rows = PaymentAllocation.objects.filter(
        to_pay, company=company, payment__status__in=Payment.IN_FLIGHT
    ).select_related("bill")
    if currencies is not None:
        rows = rows.filter(bill__currency__in=list(currencies))
    if excluded:
        rows = rows.exclude(bill_id__in=excluded)
    per_bill: dict[int, tuple[Bill, Decimal]] = {}
    for allocation in rows.only(
        "amount",
        "bill__currency",
        "bill__due_date",
        "bill__amount_due",
        "bill__total_amount",
        "bill__review_status",
    ):
        bill, taken = per_bill.get(allocation.bill_id, (allocation.bill, ZERO))
        per_bill[allocation.bill_id] = (bill, taken + allocation.amount)
    reserved = []
    for bill, taken in per_bill.values():
        if bill.review_status == Bill.Review.REJECTED:
            state = "rejected"
        elif bill_needs_approval(company=company, bill=bill, threshold=threshold):
            state = "waiting"
        else:
            state = "ok"
        amount = min(taken, bill.amount_due)
        reserved.append(
            Reserved(bill.currency, bill.due_date, state, amount, amount >= bill.amount_due)
        )
    return reserved


def _payments(*, company: Company, account_ids: Iterable[int] | None) -> list[PaymentGroup]:
    qs = Payment.objects.filter(company=company, status__in=Payment.IN_FLIGHT)
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    rows = (
        qs.values("account_id", "payment_date")
        .annotate(
            n=Count("id"),
            total=Coalesce(Sum("total_amount"), Value(ZERO, output_field=AMOUNT_SUM)),
        )
        .order_by()
    )
    return [PaymentGroup(r["account_id"], r["payment_date"], r["n"], r["total"]) for r in rows]


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
    attribution = bank_account_attribution(company=company)
    currencies = attribution.currencies_of(account)
    snapshot = due_snapshot(
        company=company,
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
        today=today or timezone.localdate(),
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
    snapshot = due_snapshot(company=company)
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
        if part.currency in currencies and part.due_date is None and part.state != "rejected":
            if include or part.state == "ok":
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
        if part.currency in currencies and part.state == "waiting" and part.due_date:
            if part.due_date <= last:
                count -= 1 if part.covers_all else 0
                amount -= part.amount
    return ForecastEntry(BILLS, count, amount) if count > 0 else None
