"""Creating a pay run and changing it while it is prepared (amounts, date, method, batch)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from billpay.bills.models import Bill
from billpay.core.money import format_money, minor_places, quantize, to_decimal
from billpay.core.services import audit_record
from billpay.core.words import phrase, store, stored_text
from billpay.mapping.models import AccountMapping
from billpay.mapping.services import method_get
from billpay.onboarding.roles import Can, require
from billpay.onboarding.selectors import connection_get
from billpay.payments.selectors import bill_in_flight, bill_unpayable_phrase
from billpay.runs.approval import run_approvals_refresh
from billpay.runs.errors import RunInvalid
from billpay.runs.models import PayRun, PayRunGroup, PayRunLine
from billpay.runs.services.common import (
    ZERO,
    build_groups,
    group_total,
    refresh_accounts,
    run_for_update,
    touched,
)

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

# The most bills one run pays (the inbox's "everything matching the filter" says so).
RUN_MAX_BILLS = settings.PAY_RUN_MAX_BILLS
# Codat documents one bill payment across suppliers only on Xero (CODAT.md §8).
BATCH_PLATFORMS = ("gbol",)


def run_create(
    *,
    company: Company,
    actor: User | None,
    bill_ids: list[int],
    payment_date: date | None = None,
    method: str | None = None,
    batch: bool = False,
) -> PayRun:
    """Create a draft run of these bills, grouped by supplier × currency × payment account.

    Each bill is paid what is left (amount due minus what other payments already reserve);
    bills that cannot be paid are left out, each with the reason. `method` defaults to the first
    one the company has mapped an account for; `batch` (Xero only) pays all bills in the base
    currency with one payment per account. A run reserves nothing until it is confirmed.
    **Raises:** NotAllowed (the actor's role prepares no payment), RunInvalid (no bill, too
    many, a bill not the company's, none payable).
    **Transaction:** one.
    """
    require(company, actor, Can.PREPARE_PAYMENTS)
    wanted = list(dict.fromkeys(bill_ids))
    if not wanted:
        raise RunInvalid(gettext("Tick the bills to pay first."))
    if len(wanted) > RUN_MAX_BILLS:
        raise RunInvalid(
            gettext("A pay run pays at most %(limit)d bills: pick fewer.")
            % {"limit": RUN_MAX_BILLS}
        )
    payment_date = payment_date or timezone.localdate()
    if payment_date < timezone.localdate():
        raise RunInvalid(gettext("Pick today or a later date."))
    method = method or default_method(company)
    method_get(method)
    if batch and not batch_offered(company):
        raise RunInvalid(gettext("Only Xero takes one payment for several suppliers."))
    bills = list(
        Bill.objects.filter(company=company, pk__in=wanted)
        .select_related("supplier")
        .order_by("supplier_name", "due_date", "pk")
    )
    if len(bills) != len(wanted):
        raise RunInvalid(gettext("One of these bills is not in your books."))
    in_flight = bill_in_flight(company=company, bill_ids=wanted)
    payable, left_out, amounts = [], [], {}
    for bill in bills:
        reason = bill_unpayable_phrase(bill=bill)
        available = bill.amount_due - in_flight.get(bill.pk, ZERO)
        if reason is None and available <= ZERO:
            reason = phrase(
                gettext_noop("%(bill)s: all that is due is already on its way."),
                bill=f"{bill.supplier_name} {bill.reference}".strip(),
            )
        if reason is None and not bill.codat_supplier_id:
            reason = phrase(
                gettext_noop("%(bill)s has no supplier in your books."),
                bill=bill.reference or phrase(gettext_noop("A bill")),
            )
        if reason is not None:
            # Kept as a phrase: whoever opens the run reads it in their language.
            kept = store("reason", reason, max_length=500)
            left_out.append({"bill": bill.pk, **kept})
            continue
        payable.append(bill)
        amounts[bill.pk] = quantize(available, bill.currency)
    if not payable:
        raise RunInvalid(
            gettext("None of these bills can be paid: %(reasons)s")
            % {"reasons": " ".join(stored_text(o["reason"], o["reason_i18n"]) for o in left_out)}
        )
    with transaction.atomic():
        run = PayRun.objects.create(
            company=company,
            method=method,
            payment_date=payment_date,
            batch=batch,
            left_out=left_out,
            created_by=actor if actor and actor.is_authenticated else None,
        )
        build_groups(company, run, payable, amounts)
        run.save(update_fields=["bill_count", "group_count"])
        audit_record(
            company=company,
            actor=actor,
            action="run.created",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={
                "bills": len(payable),
                "groups": run.group_count,
                "left_out": len(left_out),
                "method": method,
                "date": payment_date.isoformat(),
                "batch": batch,
            },
        )
        run_approvals_refresh(company=company, run=run)
    return run


def run_set_amount(
    *, company: Company, actor: User | None, run_id: int, bill_id: int, amount: Decimal
) -> PayRun:
    """Pay `amount` of one bill of the run (a partial payment): 0 < amount ≤ what is left.

    **Raises:** RunInvalid. **Transaction:** one, with the run locked; an approval given before
    no longer stands.
    """
    amount = to_decimal(amount)
    with transaction.atomic():
        run = run_for_update(company, run_id)
        line = (
            PayRunLine.objects.select_related("bill", "group")
            .filter(run=run, bill_id=bill_id)
            .first()
        )
        if line is None:
            raise RunInvalid(gettext("This bill is not in the pay run."))
        bill = line.bill
        if amount != quantize(amount, bill.currency):
            raise RunInvalid(
                gettext("%(currency)s amounts have at most %(places)d decimals.")
                % {"currency": bill.currency, "places": minor_places(bill.currency)}
            )
        available = bill.amount_due - bill_in_flight(company=company, bill_ids=[bill.pk]).get(
            bill.pk, ZERO
        )
        if amount <= ZERO:
            raise RunInvalid(gettext("Enter an amount above zero."))
        if amount > available:
            raise RunInvalid(
                gettext("At most %(amount)s can be paid on %(bill)s.")
                % {
                    "amount": format_money(max(available, ZERO), bill.currency),
                    "bill": bill.reference or gettext("this bill"),
                }
            )
        if line.amount == amount:
            return run
        before = line.amount
        PayRunLine.objects.filter(pk=line.pk).update(amount=amount)
        group_total(line.group)
        touched(run)
        audit_record(
            company=company,
            actor=actor,
            action="run.amount_changed",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={"bill": bill.codat_bill_id, "from": str(before), "to": str(amount)},
        )
    return run


def run_set_date(
    *, company: Company, actor: User | None, run_id: int, payment_date: date
) -> PayRun:
    """Pay the run on `payment_date` (today or later; a later date schedules its payments).

    **Raises:** RunInvalid. **Transaction:** one, with the run locked.
    """
    if payment_date < timezone.localdate():
        raise RunInvalid(gettext("Pick today or a later date."))
    with transaction.atomic():
        run = run_for_update(company, run_id)
        if run.payment_date == payment_date:
            return run
        latest = (
            Bill.objects.filter(pk__in=run.lines.values("bill_id"), issue_date__gt=payment_date)
            .order_by("-issue_date")
            .values_list("issue_date", flat=True)
            .first()
        )
        if latest:
            raise RunInvalid(
                gettext("A bill of this run was issued on %(date)s: pay on that day or later.")
                % {"date": f"{latest:%d %b %Y}"}
            )
        run.payment_date = payment_date
        touched(run, "payment_date")
        audit_record(
            company=company,
            actor=actor,
            action="run.date_changed",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={"date": payment_date.isoformat()},
        )
    return run


def run_set_method(*, company: Company, actor: User | None, run_id: int, method: str) -> PayRun:
    """Pay the run by another method: each group's account becomes the one mapped for it.

    **Raises:** RunInvalid, LookupError for a method the app does not offer.
    **Transaction:** one, with the run locked.
    """
    method_get(method)
    with transaction.atomic():
        run = run_for_update(company, run_id)
        if run.method == method:
            return run
        run.method = method
        refresh_accounts(company, run)
        touched(run, "method")
        audit_record(
            company=company,
            actor=actor,
            action="run.method_changed",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={"method": method},
        )
    return run


def run_set_batch(*, company: Company, actor: User | None, run_id: int, batch: bool) -> PayRun:
    """Xero: pay the base-currency bills with one payment per account across suppliers (or
    back to one per supplier). The amounts stay. **Raises:** RunInvalid.
    **Transaction:** one, with the run locked; the groups are rebuilt.
    """
    if batch and not batch_offered(company):
        raise RunInvalid(gettext("Only Xero takes one payment for several suppliers."))
    with transaction.atomic():
        run = run_for_update(company, run_id)
        if run.batch == batch:
            return run
        lines = list(run.lines.select_related("bill__supplier").order_by("bill__supplier_name"))
        amounts = {line.bill_id: line.amount for line in lines}
        run.lines.all().delete()
        PayRunGroup.objects.filter(run=run).delete()
        run.batch = batch
        build_groups(company, run, [line.bill for line in lines], amounts)
        touched(run, "batch", "bill_count", "group_count")
        audit_record(
            company=company,
            actor=actor,
            action="run.batch_changed",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
            data={"batch": batch},
        )
    return run


def run_cancel(*, company: Company, actor: User | None, run_id: int) -> PayRun:
    """Drop a run that is still being prepared (nothing was reserved or sent).

    **Idempotent.** **Raises:** RunInvalid once the run is confirmed.
    """
    with transaction.atomic():
        run = PayRun.objects.select_for_update().filter(company=company, pk=run_id).first()
        if run is None:
            raise RunInvalid(gettext("No such pay run."))
        if run.status == PayRun.Status.CANCELLED:
            return run
        if not run.is_editable:
            raise RunInvalid(
                gettext("This pay run is already confirmed and can no longer be cancelled.")
            )
        run.status = PayRun.Status.CANCELLED
        touched(run, "status")
        audit_record(
            company=company,
            actor=actor,
            action="run.cancelled",
            target=f"Pay run {run.pk}",
            ref=f"run:{run.pk}",
        )
    return run


def default_method(company: Company) -> str:
    """The first payment method the company has mapped an account for (else the first one)."""
    mapped = set(AccountMapping.objects.filter(company=company).values_list("method", flat=True))
    keys = [key for key, _label, _kind in settings.PAYMENT_METHODS]
    return next((key for key in keys if key in mapped), keys[0])


def batch_offered(company: Company) -> bool:
    """Whether the company's books take one bill payment across suppliers (Xero)."""
    connection = connection_get(company=company)
    return connection is not None and connection.platform_key in BATCH_PLATFORMS
