"""The dashboard's figures, each block one aggregate query (reads only, scoped to a company).

AP aging, what is due, what waits for approval and the cash position all come from one
snapshot of the unpaid bills grouped by currency and due date (`forecast.due_snapshot`): a few
hundred rows however many bills, served by a covering index (`bill_to_pay_aging`) and cached
under the company's bills revision (see `forecast.snapshot`). Payments that need someone are one
more aggregate and one short list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billpay.insights.charts import BarChart, bar_chart
from billpay.insights.forecast import (
    AMOUNT_SUM,
    ZERO,
    CompanyForecast,
    DueGroup,
    Forecast,
    company_forecasts,
)
from billpay.payments.models import Payment
from billpay.payments.selectors import account_label

if TYPE_CHECKING:
    from billpay.mapping.models import LedgerAccount
    from billpay.onboarding.models import Company

CASH_DAYS = 30  # the cash position looks this far ahead
ATTENTION = (Payment.Status.FAILED, Payment.Status.ON_HOLD)
ATTENTION_LIST = 5  # the newest payments that need someone, named on the dashboard

# (key, label, lowest and highest days overdue; None: open-ended). Due today is not yet overdue.
AGING = (
    ("current", _("Not yet due"), None, 0),
    ("1_30", _("1–30 days overdue"), 1, 30),
    ("31_60", _("31–60 days overdue"), 31, 60),
    ("61_90", _("61–90 days overdue"), 61, 90),
    ("over_90", _("Over 90 days overdue"), 91, None),
)
DUE_SOON = 7  # "due in the next 7 days" is the inbox's due_7 view: today to today + 7


@dataclass(frozen=True)
class Figure:
    """A count of bills and what they leave to pay."""

    count: int = 0
    amount: Decimal = ZERO

    def __add__(self, other: Figure) -> Figure:
        return Figure(self.count + other.count, self.amount + other.amount)


@dataclass(frozen=True)
class AgingBucket:
    key: str
    label: str
    figure: Figure


@dataclass(frozen=True)
class CurrencyBoard:
    """Everything owed in one currency."""

    currency: str
    aging: list[AgingBucket]
    total: Figure
    overdue: Figure
    undated: Figure  # no due date (counted as not yet due)
    due_soon: Figure  # today to today + 7
    due_after: Figure  # the 7 days after that
    waiting: Figure  # need approval under the company's rule
    chart: BarChart


@dataclass(frozen=True)
class AttentionTotal:
    status: str
    label: str
    currency: str
    figure: Figure


@dataclass(frozen=True)
class CashRow:
    """One mapped bank account over the next CASH_DAYS days."""

    account: LedgerAccount
    label: str
    forecast: Forecast
    payments: Decimal  # payments going out from it
    bills: Decimal  # unpaid bills counted against it (overdue ones today)


@dataclass(frozen=True)
class Dashboard:
    today: date
    currencies: list[CurrencyBoard]
    attention: list[AttentionTotal]
    attention_recent: list[Payment]
    cash: list[CashRow]
    cash_forecast: CompanyForecast
    has_approval_rule: bool

    @property
    def is_empty(self) -> bool:
        return not self.currencies and not self.cash and not self.attention


def dashboard_get(*, company: Company, today: date | None = None) -> Dashboard:
    """The owner's overview. Seven queries, however many bills, payments and accounts; six when
    the bills' groups are cached (no bill changed since the last view)."""
    today = today or timezone.localdate()
    cash = company_forecasts(company=company, horizon_days=CASH_DAYS, today=today)
    snapshot = cash.snapshot
    return Dashboard(
        today=today,
        currencies=_currency_boards(company=company, groups=snapshot.groups, today=today),
        attention=_attention_totals(company=company),
        attention_recent=list(
            Payment.objects.filter(company=company, status__in=ATTENTION)
            .only("reference", "supplier_name", "total_amount", "currency", "status")
            .order_by("-updated_at", "-id")[:ATTENTION_LIST]
        ),
        cash=[_cash_row(forecast) for forecast in cash.forecasts],
        cash_forecast=cash,
        has_approval_rule=snapshot.threshold is not None,
    )


def aging_bucket(*, due_date: date | None, today: date) -> str:
    """The aging bucket's key of a bill due on `due_date` (no due date: not yet due)."""
    overdue = (today - due_date).days if due_date else 0
    for key, _label, low, high in AGING:
        if (low is None or overdue >= low) and (high is None or overdue <= high):
            return key
    raise AssertionError(overdue)  # the buckets cover every integer


def _currency_boards(
    *, company: Company, groups: list[DueGroup], today: date
) -> list[CurrencyBoard]:
    per_currency: dict[str, list[DueGroup]] = {}
    for group in groups:
        per_currency.setdefault(group.currency, []).append(group)
    # The base currency first, then the others alphabetically.
    order = sorted(per_currency, key=lambda c: (c != company.base_currency, c))
    return [_board(currency, per_currency[currency], today) for currency in order]


def _board(currency: str, groups: list[DueGroup], today: date) -> CurrencyBoard:
    """One pass over the currency's groups with plain sums (a few hundred groups: the page's
    Python work, kept to additions)."""
    sums: dict[str, list] = defaultdict(lambda: [0, ZERO])  # block or bucket → [count, amount]
    soon, after = today + timedelta(days=DUE_SOON), today + timedelta(days=2 * DUE_SOON)
    for group in groups:
        due = group.due_date
        if due is None:
            blocks = ("total", "current", "undated")
        elif due < today:
            blocks = ("total", aging_bucket(due_date=due, today=today), "overdue")
        elif due <= soon:
            blocks = ("total", "current", "due_soon")
        elif due <= after:
            blocks = ("total", "current", "due_after")
        else:
            blocks = ("total", "current")
        for block in blocks:
            cell = sums[block]
            cell[0] += group.count
            cell[1] += group.amount
        cell = sums["waiting"]
        cell[0] += group.waiting_count
        cell[1] += group.waiting_amount

    def figure(block: str) -> Figure:
        return Figure(*sums[block]) if block in sums else Figure()

    aging = [AgingBucket(key, label, figure(key)) for key, label, *_ in AGING]
    return CurrencyBoard(
        currency=currency,
        aging=aging,
        total=figure("total"),
        overdue=figure("overdue"),
        undated=figure("undated"),
        due_soon=figure("due_soon"),
        due_after=figure("due_after"),
        waiting=figure("waiting"),
        chart=bar_chart([(b.label, b.figure.amount) for b in aging]),
    )


def _attention_totals(*, company: Company) -> list[AttentionTotal]:
    rows = (
        Payment.objects.filter(company=company, status__in=ATTENTION)
        .values("status", "currency")
        .annotate(
            n=Count("id"),
            total=Coalesce(Sum("total_amount"), Value(ZERO, output_field=AMOUNT_SUM)),
        )
        .order_by("status", "currency")
    )
    labels = dict(Payment.Status.choices)
    return [
        AttentionTotal(r["status"], labels[r["status"]], r["currency"], Figure(r["n"], r["total"]))
        for r in rows
    ]


def _cash_row(forecast: Forecast) -> CashRow:
    def kinds(*wanted: str) -> Decimal:
        return sum(
            (e.amount for day in forecast.days for e in day.entries if e.kind in wanted), ZERO
        )

    return CashRow(
        account=forecast.account,
        label=account_label(account=forecast.account),
        forecast=forecast,
        payments=kinds("payments"),
        bills=kinds("overdue", "bills"),
    )
