"""Shared pieces of the run services: roles, the grouping of bills, the accounts of groups."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from billpay.approvals.services import approval_withdraw
from billpay.mapping.selectors import mapping_for_currency
from billpay.runs.approval import KIND, run_approvals_refresh
from billpay.runs.errors import RunInvalid
from billpay.runs.models import PayRun, PayRunGroup, PayRunLine

if TYPE_CHECKING:
    from billpay.bills.models import Bill
    from billpay.onboarding.models import Company

ZERO = Decimal("0")
AMOUNT_SUM = DecimalField(max_digits=19, decimal_places=4)


def run_for_update(company: Company, run_id: int) -> PayRun:
    """The company's run, locked; only a run still being prepared may change."""
    run = PayRun.objects.select_for_update().filter(company=company, pk=run_id).first()
    if run is None:
        raise RunInvalid(gettext("No such pay run."))
    if not run.is_editable:
        raise RunInvalid(gettext("This pay run is already confirmed and can no longer change."))
    return run


def group_key(bill: Bill, *, batch: bool, base_currency: str) -> tuple[str, str]:
    """(supplier, currency) of the bill's group; a Xero batch drops the supplier, but only in the
    base currency (Codat's Xero options: a batch payment must be in the base currency)."""
    if batch and bill.currency == base_currency:
        return ("", bill.currency)
    return (bill.codat_supplier_id, bill.currency)


def build_groups(
    company: Company, run: PayRun, bills: Iterable[Bill], amounts: dict[int, Decimal]
) -> None:
    """Create the run's groups and lines for these bills (the run has none yet)."""
    by_key: dict[tuple[str, str], list[Bill]] = {}
    for bill in bills:
        key = group_key(bill, batch=run.batch, base_currency=company.base_currency)
        by_key.setdefault(key, []).append(bill)
    accounts: dict[str, object] = {}
    groups, lines = [], []
    for (supplier_id, currency), members in by_key.items():
        if currency not in accounts:
            mapping = mapping_for_currency(company=company, method=run.method, currency=currency)
            accounts[currency] = mapping.account if mapping else None
        suppliers = {b.codat_supplier_id for b in members}
        group = PayRunGroup(
            company=company,
            run=run,
            supplier=members[0].supplier if supplier_id else None,
            codat_supplier_id=supplier_id,
            supplier_name=members[0].supplier_name
            if supplier_id
            else f"{len(suppliers)} supplier{'s' if len(suppliers) != 1 else ''}",
            currency=currency,
            account=accounts[currency],
            total=sum((amounts[b.pk] for b in members), ZERO),
        )
        groups.append(group)
        lines.extend(
            PayRunLine(company=company, run=run, group=group, bill=b, amount=amounts[b.pk])
            for b in members
        )
    PayRunGroup.objects.bulk_create(groups)
    PayRunLine.objects.bulk_create(lines)
    run.bill_count, run.group_count = len(lines), len(groups)


def refresh_accounts(company: Company, run: PayRun) -> bool:
    """Point every group at the account mapped now for its currency; True if one changed.

    One look-up per currency, however many groups pay in it."""
    changed = []
    accounts: dict[str, int | None] = {}
    for group in run.groups.all():
        if group.currency not in accounts:
            mapping = mapping_for_currency(
                company=company, method=run.method, currency=group.currency
            )
            accounts[group.currency] = mapping.account_id if mapping else None
        account_id = accounts[group.currency]
        if group.account_id != account_id:
            group.account_id = account_id
            changed.append(group)
    PayRunGroup.objects.bulk_update(changed, ["account"])
    return bool(changed)


def touched(run: PayRun, *fields: str) -> None:
    """The run changed: a new form token, and an approval no longer stands (a rule's request
    starts over; a cancelled run's is withdrawn)."""
    run.form_token = uuid.uuid4()
    run.updated_at = timezone.now()
    update = {"form_token", "updated_at", *fields}
    if run.status == PayRun.Status.APPROVED:
        run.status = PayRun.Status.DRAFT
        run.approved_by, run.approved_at, run.approval_comment = None, None, ""
        update |= {"status", "approved_by", "approved_at", "approval_comment"}
    run.save(update_fields=sorted(update))
    if run.status == PayRun.Status.CANCELLED:
        approval_withdraw(company=run.company, kind=KIND, object_id=run.pk)
    else:
        run_approvals_refresh(company=run.company, run=run)


def group_total(group: PayRunGroup) -> None:
    """Recompute one group's total from its lines."""
    total = group.lines.aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT_SUM)
    )["total"]
    PayRunGroup.objects.filter(pk=group.pk).update(total=total)
    group.total = total
