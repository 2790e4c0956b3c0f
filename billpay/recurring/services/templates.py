"""Recurring bill templates: saved, changed, paused and resumed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from billpay.bills.services.create import (
    LineInput,
    bill_totals,
)
from billpay.core.services import audit_record
from billpay.onboarding.roles import Can, require
from billpay.recurring.models import RecurringBill, RecurringLine
from billpay.recurring.schedule import Schedule

if TYPE_CHECKING:
    from billpay.bills.models import Supplier
    from billpay.onboarding.models import Company, User

S = RecurringBill.Status


@dataclass(frozen=True)
class TemplateInput:
    """What the form hands over: the bills' header, lines and schedule."""

    supplier: Supplier
    reference: str
    currency: str
    note: str
    lines: Sequence[LineInput]
    schedule: Schedule
    payment_method: str = ""


# --- templates ------------------------------------------------------------------------------------


def recurring_create(
    *, company: Company, actor: User, data: TemplateInput, submission_key: uuid.UUID
) -> RecurringBill:
    """Save a new template; its first bill comes on its first date from today on.

    **Idempotent:** on `submission_key` (a double submit returns the first template).
    **Raises:** NotAllowed. **Transaction:** one.
    """
    _require(company, actor, data.payment_method)
    found = RecurringBill.objects.filter(company=company, form_token=submission_key).first()
    if found is not None:
        return found
    today = timezone.localdate()
    try:
        with transaction.atomic():
            template = RecurringBill(
                company=company,
                form_token=submission_key,
                runs_from=today,
                created_by=actor,
                run_as=actor,
            )
            _apply(template, data)
            template.save()
            _replace_lines(template, data)
            audit_record(
                company=company,
                actor=actor,
                action="recurring.created",
                target=str(template),
                ref=f"recurring:{template.pk}",
                data=_audit_data(template),
            )
    except IntegrityError:
        found = RecurringBill.objects.filter(company=company, form_token=submission_key).first()
        if found is None:
            raise
        return found
    return template


def recurring_update(*, template: RecurringBill, actor: User, data: TemplateInput) -> RecurringBill:
    """Change a template: the dates already made stay as they are; the new schedule runs from
    today (a date it adds before today is not made afterwards).

    **Raises:** NotAllowed. **Transaction:** one, the template locked.
    """
    company = template.company
    _require(company, actor, data.payment_method)
    with transaction.atomic():
        locked = RecurringBill.objects.select_for_update().get(pk=template.pk, company=company)
        _apply(locked, data)
        locked.runs_from = max(locked.runs_from, timezone.localdate())
        locked.run_as = actor
        locked.save()
        _replace_lines(locked, data)
        audit_record(
            company=company,
            actor=actor,
            action="recurring.changed",
            target=str(locked),
            ref=f"recurring:{locked.pk}",
            data=_audit_data(locked),
        )
    return locked


def recurring_pause(*, template: RecurringBill, actor: User) -> RecurringBill:
    """Stop making bills until resumed (the dates in between are skipped).

    **Idempotent:** pausing a paused template changes nothing. **Raises:** NotAllowed.
    """
    return _set_status(template, actor, S.ACTIVE, S.PAUSED, "recurring.paused")


def recurring_resume(*, template: RecurringBill, actor: User) -> RecurringBill:
    """Make bills again from today on, in the name of the person resuming.

    **Idempotent.** **Raises:** NotAllowed.
    """
    require(template.company, actor, Can.EDIT_BILLS)
    if template.payment_method:
        require(template.company, actor, Can.PREPARE_PAYMENTS)
    return _set_status(
        template,
        actor,
        S.PAUSED,
        S.ACTIVE,
        "recurring.resumed",
        runs_from=timezone.localdate(),
        run_as=actor,
    )


def _set_status(template, actor, before, after, action, **fields) -> RecurringBill:
    require(template.company, actor, Can.EDIT_BILLS)
    with transaction.atomic():
        moved = RecurringBill.objects.filter(
            pk=template.pk, company=template.company, status=before
        ).update(status=after, updated_at=timezone.now(), **fields)
        if moved:
            audit_record(
                company=template.company,
                actor=actor,
                action=action,
                target=str(template),
                ref=f"recurring:{template.pk}",
            )
    template.refresh_from_db()
    return template


def _require(company: Company, actor: User, payment_method: str) -> None:
    require(company, actor, Can.EDIT_BILLS)
    if payment_method:
        require(company, actor, Can.PREPARE_PAYMENTS)


def _apply(template: RecurringBill, data: TemplateInput) -> None:
    s = data.schedule
    template.supplier = data.supplier
    template.supplier_name = data.supplier.name
    template.reference = data.reference
    template.currency = data.currency
    template.note = data.note
    template.total_amount = bill_totals(lines=data.lines, currency=data.currency).total_amount
    template.frequency = s.frequency
    template.start_date = s.start_date
    template.end_date = s.end_date
    template.count = s.count
    template.due_days = s.due_days
    template.payment_method = data.payment_method
    template.payment_offset_days = s.payment_offset_days if data.payment_method else 0


def _replace_lines(template: RecurringBill, data: TemplateInput) -> None:
    RecurringLine.objects.filter(template=template).delete()
    RecurringLine.objects.bulk_create(
        RecurringLine(
            company_id=template.company_id,
            template=template,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            account=line.account,
            tax_rate=line.tax_rate,
        )
        for position, line in enumerate(data.lines, start=1)
    )


def _audit_data(template: RecurringBill) -> dict:
    return {
        "frequency": template.frequency,
        "start": template.start_date.isoformat(),
        "total": str(template.total_amount),
        "currency": template.currency,
        "payment_method": template.payment_method,
    }


def schedule_of(template: RecurringBill) -> Schedule:
    """The template's schedule as the date functions take it."""
    return Schedule(
        frequency=template.frequency,
        start_date=template.start_date,
        end_date=template.end_date,
        count=template.count,
        due_days=template.due_days,
        pays=bool(template.payment_method),
        payment_offset_days=template.payment_offset_days,
    )


def preview_since(template: RecurringBill) -> date:
    """The first day the preview of a saved template shows: today, or later if it starts later."""
    return max(timezone.localdate(), template.runs_from, template.start_date)
