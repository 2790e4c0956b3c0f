"""The aggregates a forecast is computed from, and which account each currency's bills count
against: one query for the attribution, four for the snapshot (the payment settings, the bills,
the allocations in flight, the payments in flight), whatever the number of rows.

The bills part (a GROUP BY over every unpaid bill: the one read that grows with the company) is
cached under the company's bills revision (`bills.selectors.bills_revision`), which every write
to the bills bumps after commit; so the everyday page view, with nothing changed since the last,
costs three queries. The TTL is a safety net: a write that forgot to bump would show stale
figures for at most that long. Payments in flight and the approval threshold stay live (they
are small, and change without touching a bill): the threshold and the base currency are in the
cache key, so a new approval rule is never answered from figures made under the old one.

Every reader treats bills more than 90 days overdue alike (aging has one bucket for 91 days and
more; forecasts count every overdue bill today), so the snapshot keeps one group per currency for
them, dated the 91st day overdue (`oldest_due`): however long a company's history of unpaid
bills, its groups span about four months of dates plus what falls due later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from billpay.bills.models import TO_PAY, Bill
from billpay.bills.selectors import bills_revision
from billpay.insights.forecast.days import ZERO
from billpay.mapping.selectors import account_kind, account_usable, mapping_list, payment_methods
from billpay.payments.models import Payment, PaymentAllocation
from billpay.payments.selectors import bill_needs_approval, payment_settings_get

if TYPE_CHECKING:
    from billpay.mapping.models import LedgerAccount
    from billpay.onboarding.models import Company

AMOUNT_SUM = DecimalField(max_digits=19, decimal_places=4)
GROUPS_CACHE_SECONDS = 600  # the safety net under the revision: stale for at most this long
COLLAPSE_OVERDUE_DAYS = 91  # aging's last bucket starts here: older due dates count as this one

# The same bill rule as the approval gate (payments.selectors.bill_needs_approval), in SQL, for
# bills that are not rejected: not approved, and over the threshold or in another currency.
_PENDING = Q(review_status=Bill.Review.PENDING)
_REJECTED = Q(review_status=Bill.Review.REJECTED)


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


# The cached groups serve the overview (30 days ahead) and the forecast page (at most 90): a bill
# due later than this many days from today counts on that day. A pay run's forecast, which may
# look further, leaves its bills out and so is never served from the cache.
LATEST_DAYS = 91


def oldest_due(today: date) -> date:
    """The due date every bill due on or before it is counted at (91 days overdue)."""
    return today - timedelta(days=COLLAPSE_OVERDUE_DAYS)


def due_snapshot(
    *,
    company: Company,
    today: date,
    currencies: Iterable[str] | None = None,
    account_ids: Iterable[int] | None = None,
    exclude_bill_ids: Iterable[int] = (),
) -> Snapshot:
    """Unpaid bills by currency and due date (those over 90 days overdue on one date, see the
    module docstring), what payments in flight take of them, and those payments by account and
    date. Four queries whatever the number of bills; three when the bills' groups are cached (no
    bill changed since they were counted, and no bill excluded)."""
    threshold = payment_settings_get(company=company).approval_threshold
    excluded = list(exclude_bill_ids)
    if currencies is not None:
        currencies = list(currencies)
    if excluded:
        groups = _due_groups(
            company=company,
            threshold=threshold,
            currencies=currencies,
            excluded=excluded,
            oldest=oldest_due(today),
        )
    else:
        groups = _cached_due_groups(
            company=company, threshold=threshold, currencies=currencies, today=today
        )
    return Snapshot(
        groups=groups,
        reserved=_reserved(
            company=company,
            threshold=threshold,
            currencies=currencies,
            excluded=excluded,
            oldest=oldest_due(today),
        ),
        payments=_payments(company=company, account_ids=account_ids),
        threshold=threshold,
    )


def _cached_due_groups(
    *, company: Company, threshold: Decimal | None, currencies: list[str] | None, today: date
) -> list[DueGroup]:
    """Every currency's groups, cached under the bills revision (read before the query, so a
    change committed meanwhile leaves these under the old revision); a currency filter is
    applied to them here, so forecasts of one account share the company's cached groups."""
    revision = bills_revision(company_id=company.pk)
    key = (
        f"billpay:due-groups:v2:{company.pk}:{revision}:{threshold}:{company.base_currency}"
        f":{today.isoformat()}"
    )
    groups = cache.get(key)
    if groups is None:
        groups = _due_groups(
            company=company,
            threshold=threshold,
            currencies=None,
            excluded=[],
            oldest=oldest_due(today),
        )
        # Dates past every cached reader's horizon are one group per currency, as the overdue
        # ones are: the page's work then grows with neither the bills nor their dates.
        groups = _collapse_later(groups, today + timedelta(days=LATEST_DAYS))
        cache.set(key, groups, timeout=GROUPS_CACHE_SECONDS)
    if currencies is None:
        return groups
    return [g for g in groups if g.currency in currencies]


def _due_groups(
    *,
    company: Company,
    threshold: Decimal | None,
    currencies: list[str] | None,
    excluded: list[int],
    oldest: date,
) -> list[DueGroup]:
    """The unpaid bills grouped by currency and due date: one aggregate over every unpaid bill;
    the groups due before `oldest` are then added into one group per currency dated `oldest`."""
    bills = Bill.objects.filter(TO_PAY, company=company)
    if currencies is not None:
        bills = bills.filter(currency__in=currencies)
    if excluded:
        bills = bills.exclude(pk__in=excluded)
    zero = Value(ZERO, output_field=AMOUNT_SUM)
    # Counted over amount_due (never NULL here), not id: every column read is in the covering
    # index `bill_to_pay_aging`, so the database answers from the index alone (EXPLAIN: Index
    # Only Scan) instead of visiting each bill's row.
    aggregates = {
        "n": Count("amount_due"),
        "due": Coalesce(Sum("amount_due"), zero),
        "n_rejected": Count("amount_due", filter=_REJECTED),
        "due_rejected": Coalesce(Sum("amount_due", filter=_REJECTED), zero),
    }
    waiting = _waiting_q(company=company, threshold=threshold)
    if waiting is not None:
        aggregates["n_waiting"] = Count("amount_due", filter=waiting)
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
    return _collapse_overdue(groups, oldest)


def _collapse_overdue(groups: list[DueGroup], oldest: date) -> list[DueGroup]:
    """One group per currency for every group due on or before `oldest`, dated `oldest`."""
    return _collapse(groups, oldest, lambda due: due <= oldest)


def _collapse_later(groups: list[DueGroup], latest: date) -> list[DueGroup]:
    """One group per currency for every group due on or after `latest`, dated `latest`."""
    return _collapse(groups, latest, lambda due: due >= latest)


def _collapse(groups: list[DueGroup], at: date, far) -> list[DueGroup]:
    kept: list[DueGroup] = []
    old: dict[str, DueGroup] = {}
    for group in groups:
        if group.due_date is None or not far(group.due_date):
            kept.append(group)
            continue
        was = old.get(group.currency)
        old[group.currency] = (
            replace(group, due_date=at)
            if was is None
            else DueGroup(
                currency=group.currency,
                due_date=at,
                count=was.count + group.count,
                amount=was.amount + group.amount,
                waiting_count=was.waiting_count + group.waiting_count,
                waiting_amount=was.waiting_amount + group.waiting_amount,
                rejected_count=was.rejected_count + group.rejected_count,
                rejected_amount=was.rejected_amount + group.rejected_amount,
            )
        )
    return kept + list(old.values())


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
    oldest: date,
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
        # Dated as its group is: on or before `oldest`, it is counted in the collapsed group.
        due = max(bill.due_date, oldest) if bill.due_date else None
        reserved.append(Reserved(bill.currency, due, state, amount, amount >= bill.amount_due))
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
