"""Recurring bills: templates saved, paused and resumed, and the bills they make on schedule.

A template makes one occurrence per date of its schedule (`RecurringOccurrence`, unique per
template and date). An occurrence's way:

    pending ──the bill form accepts it, bill_create──▶ created ──(payment asked)──▶ waiting
       └──refused (the form's or the duplicate guard's words: `reason`)   waiting ──bill in books──▶
                              scheduled (payment_confirm scheduled it) | prepared (a draft: it
                              needs approval or someone who may confirm) | refused (`reason`)

- **The bill** is made exactly as the "New bill" page makes it: the bill form is bound to the
  template's values (the platform's rules, the lines' checks), then `bill_create` with the
  occurrence's own submission key (derived from template and date), which is the push's
  Idempotency-Key: the push machine (`billpay.pushes`) sends it once, looks it up after a lost
  answer, never re-sends blindly. Two workers on the same date share the occurrence row (the
  unique constraint) and its lock, so one bill.
- **The payment** waits for the bill to be in the books (a bill on its way can't be paid), then
  goes through `payment_prepare` (idempotent on a token derived from the occurrence) and
  `payment_confirm` in the name of the template's `run_as`: the approval gate, the role and
  two-step login rules apply as for a person; what stops it is kept as the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from billpay.bills.forms import BillForm, line_formset
from billpay.bills.selectors import create as bill_sel
from billpay.bills.services.create import (
    LineInput,
    PossibleDuplicate,
    bill_create,
    bill_totals,
)
from billpay.bills.services.create.common import write_for_key
from billpay.bills.services.options import PlatformRules, push_rules_get
from billpay.core.errors import DomainError
from billpay.core.parsing import scoped_key
from billpay.core.services import audit_record
from billpay.core.words import Phrase, phrase, store
from billpay.onboarding.roles import Can, require
from billpay.payments.services import payment_confirm, payment_prepare
from billpay.pushes.models import Push
from billpay.recurring import notices
from billpay.recurring.models import RecurringBill, RecurringLine, RecurringOccurrence
from billpay.recurring.schedule import Schedule, bill_dates, dates_for, working_day

if TYPE_CHECKING:
    from billpay.bills.models import Bill, Supplier
    from billpay.onboarding.models import Company, User

S = RecurringBill.Status
O = RecurringOccurrence.State  # noqa: E741
P = RecurringOccurrence.Payment
# A template's dates missed while no worker ran are caught up, at most this many per run.
CATCH_UP = 60
KEY_NAMESPACE = uuid.UUID("5b0f3f8e-8f0c-4a5e-9d43-6a1c1f0d7e21")


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


# --- the beat: bills made on schedule -------------------------------------------------------------


def recurring_due_company_ids() -> list[int]:
    """Companies with an active template, or an occurrence whose payment waits (beat fans out)."""
    active = RecurringBill.objects.filter(status=S.ACTIVE).values_list("company_id", flat=True)
    waiting = RecurringOccurrence.objects.filter(payment_state=P.WAITING).values_list(
        "company_id", flat=True
    )
    return sorted(set(active) | set(waiting))


def recurring_due_dates(template: RecurringBill, *, today: date) -> list[date]:
    """The template's dates from `runs_from` to today that have no occurrence yet."""
    if template.status != S.ACTIVE:
        return []
    done = set(template.occurrences.values_list("date", flat=True))
    due = []
    for day in bill_dates(schedule_of(template), since=template.runs_from):
        if day > today or len(due) >= CATCH_UP:
            break
        if day not in done:
            due.append(day)
    return due


def recurring_run(*, company: Company, today: date | None = None) -> int:
    """Make every due bill of the company's active templates, then prepare the payments whose
    bill reached the books. Returns how many bills were made.

    **Idempotent:** a date already made is skipped; a template run twice on a date makes one bill.
    """
    today = today or timezone.localdate()
    made = 0
    templates = RecurringBill.objects.filter(company=company, status=S.ACTIVE).order_by("pk")
    for template in templates:
        for day in recurring_due_dates(template, today=today):
            occurrence = occurrence_run(template=template, day=day)
            made += occurrence.state == O.CREATED
    recurring_payments_prepare(company=company, today=today)
    return made


def occurrence_key(template: RecurringBill, day: date) -> uuid.UUID:
    """The bill's submission key for this template and date: the same on every run, this
    company's own (`scoped_key`)."""
    key = uuid.uuid5(KEY_NAMESPACE, f"recurring:{template.pk}:{day.isoformat()}")
    return scoped_key(company_id=template.company_id, key=key)


def occurrence_run(*, template: RecurringBill, day: date) -> RecurringOccurrence:
    """Make the template's bill for `day` through the bill form and `bill_create`.

    **Idempotent:** one occurrence per (template, date) and one bill per occurrence key, however
    many workers run it at once (the occurrence row is locked while its bill is made).
    **Transaction:** one, with the bill and its push (sent after commit); the platform's rules
    are read before it (no network I/O inside).
    """
    company = template.company
    occurrence, _ = RecurringOccurrence.objects.get_or_create(
        template=template,
        date=day,
        defaults={"company": company, "submission_key": occurrence_key(template, day)},
    )
    if occurrence.state != O.PENDING:
        return occurrence
    checked = bill_checked(template=template, day=day)
    with transaction.atomic():
        locked = RecurringOccurrence.objects.select_for_update().get(pk=occurrence.pk)
        if locked.state != O.PENDING:
            return locked
        reason: Phrase | str | None = checked if isinstance(checked, Phrase) else None
        bill = None
        if reason is None:
            try:
                bill = bill_create(
                    company=company,
                    actor=template.run_as,
                    data=checked,
                    submission_key=locked.submission_key,
                )
            except PossibleDuplicate as exc:
                reason = phrase(
                    gettext_noop("It looks like a bill you already have (%(bills)s)."),
                    bills=", ".join(f"{b.supplier_name} {b.reference}" for b in exc.duplicates),
                )
            except DomainError as exc:
                reason = exc.message
        if bill is not None:
            locked.state, locked.bill = O.CREATED, bill
            locked.payment_state = P.WAITING if template.payment_method else P.NONE
            locked.reason, locked.reason_i18n = "", {}
            action = "recurring.bill_made"
        else:
            locked.state = O.REFUSED
            for name, value in store("reason", reason).items():
                setattr(locked, name, value)
            action = "recurring.bill_refused"
        locked.save()
        audit_record(
            company=company,
            actor=None,  # the schedule did it
            action=action,
            target=str(template),
            ref=f"recurring:{template.pk}",
            data={
                "date": day.isoformat(),
                "bill": bill.pk if bill else None,
                "reason": locked.reason,
            },
        )
    return locked


def bill_reference(template: RecurringBill, day: date) -> str:
    """Each bill's invoice number: the template's reference and the bill date."""
    return f"{template.reference} {day.isoformat()}".strip()


def bill_checked(*, template: RecurringBill, day: date):
    """The template's bill for `day` as the new-bill form reads it (a BillInput), or why the
    form refuses it (a Phrase). Reads the platform's rules (cached; Codat at most)."""
    company = template.company
    supplier = template.supplier
    try:
        require(company, template.run_as, Can.EDIT_BILLS)
    except DomainError:
        return phrase(
            gettext_noop(
                "The person who last saved this recurring bill can no longer create bills. "
                "Someone who can should open it and save it again."
            )
        )
    if supplier is None or supplier.is_deleted or supplier.status == "Archived":
        return phrase(
            gettext_noop("%(supplier)s is no longer an active supplier in your books."),
            supplier=template.supplier_name,
        )
    rules = push_rules_get(company=company, data_type="bills")
    dates = dates_for(schedule_of(template), day)
    data = _form_data(template, day, dates.due_date)
    # The form reads numbers and dates the way the template writes them (English, ISO); its
    # refusals are kept in English, like every text a worker stores.
    with translation.override(settings.LANGUAGE_CODE):
        form = BillForm(
            data,
            company=company,
            rules=rules,
            supplier_rules=PlatformRules(),
            suppliers=bill_sel.supplier_choices(company=company),
            current_currency=template.currency,
        )
        formset = line_formset(
            data,
            company=company,
            accounts=bill_sel.expense_account_choices(company=company),
            tax_rates=bill_sel.tax_rate_choices(company=company),
            rules=rules,
            currency=template.currency,
        )
        if form.is_valid() and formset.is_valid():
            return form.bill_input(formset.lines())
        errors = _errors(form, formset)
    return phrase(gettext_noop("The bill form refused it: %(errors)s"), errors=errors)


def _form_data(template: RecurringBill, day: date, due: date) -> dict:
    lines = list(template.lines.all())
    data = {
        "submission_key": str(uuid.uuid4()),  # unused: the occurrence's key is the bill's
        "supplier": str(template.supplier_id or ""),
        "reference": bill_reference(template, day),
        "issue_date": day.isoformat(),
        "due_date": due.isoformat(),
        "currency": template.currency,
        "note": template.note,
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
    }
    for i, line in enumerate(lines):
        data[f"lines-{i}-description"] = line.description
        data[f"lines-{i}-quantity"] = plain(line.quantity)
        data[f"lines-{i}-unit_amount"] = plain(line.unit_amount)
        data[f"lines-{i}-account"] = str(line.account_id or "")
        data[f"lines-{i}-tax_rate"] = str(line.tax_rate_id or "")
    return data


def plain(amount: Decimal) -> str:
    """2.0000 → "2", 1500.5000 → "1500.5" (never exponent notation)."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _errors(form, formset) -> str:
    said = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        said += [f"{label}: {e}" if label else str(e) for e in errors]
    for number, line in enumerate(formset.forms, start=1):
        for name, errors in line.errors.items():
            label = line.fields[name].label if name in line.fields else ""
            said += [
                gettext("Line %(number)s, %(label)s: %(error)s")
                % {"number": number, "label": str(label).lower(), "error": e}
                for e in errors
            ]
    said += [str(e) for e in formset.non_form_errors()]
    return " ".join(said)


# --- payments -------------------------------------------------------------------------------------


def recurring_payments_prepare(*, company: Company, today: date | None = None) -> int:
    """Prepare the payments of the company's recurring bills that have reached the books.

    Returns how many moved on. **Idempotent.**
    """
    waiting = (
        RecurringOccurrence.objects.filter(company=company, payment_state=P.WAITING)
        .select_related("template", "template__run_as")
        .order_by("date", "pk")
    )
    return sum(
        occurrence_payment_prepare(occurrence=o, today=today).payment_state != P.WAITING
        for o in waiting
    )


def recurring_payments_waiting(*, company: Company) -> bool:
    """Whether a recurring bill's payment waits for its bill to reach the books."""
    return RecurringOccurrence.objects.filter(company=company, payment_state=P.WAITING).exists()


def occurrence_payment_prepare(
    *, occurrence: RecurringOccurrence, today: date | None = None
) -> RecurringOccurrence:
    """Once the occurrence's bill is in the books, prepare its payment and confirm it
    (scheduled for its date) through the payment services, as the template's `run_as`.

    A refusal by the approval gate, the role or two-step login leaves a prepared payment that
    someone who may confirm it confirms on the payments page; any other refusal (no account
    mapped, the bill paid meanwhile) leaves no payment. Either way the reason is kept.
    **Idempotent:** the payment's form token derives from the occurrence; the occurrence is
    locked while it moves on. **Transaction:** one (the payment's own nest in it).
    """
    today = today or timezone.localdate()
    company = occurrence.company
    template = occurrence.template
    write = write_for_key(company, occurrence.submission_key)
    bill: Bill | None = write.bill if write is not None else None
    gone = bill is None or bill.is_deleted
    failed = write is not None and write.push.status == Push.Status.FAILED
    if not gone and not failed and not bill.is_in_books:
        return occurrence  # still on its way to the books: the next sync or run comes back
    with transaction.atomic():
        locked = RecurringOccurrence.objects.select_for_update().get(pk=occurrence.pk)
        if locked.payment_state != P.WAITING:
            return locked
        if gone or failed:
            _payment_refused(
                locked,
                template,
                phrase(gettext_noop("The bill did not reach your books, so no payment was made.")),
            )
            return locked
        dates = dates_for(schedule_of(template), locked.date)
        payment_date = working_day(max(dates.payment_date or today, today))
        try:
            payment = payment_prepare(
                company=company,
                actor=template.run_as,
                bill_ids=[bill.pk],
                method=template.payment_method,
                amounts={bill.pk: bill.amount_due},
                payment_date=payment_date,
                form_token=uuid.uuid5(locked.submission_key, "payment"),
            )
        except DomainError as exc:
            _payment_refused(locked, template, exc.message)
            return locked
        locked.payment, locked.bill = payment, bill
        try:
            payment_confirm(
                company=company,
                actor=template.run_as,
                payment_id=payment.pk,
                # A worker has no session: where two-step login is required, a person confirms.
                verified=False if company.require_two_factor else None,
            )
        except DomainError as exc:
            locked.payment_state = P.PREPARED
            reason = phrase(
                gettext_noop("The payment is prepared but not confirmed: %(reason)s"),
                reason=exc.message,
            )
            for name, value in store("reason", reason).items():
                setattr(locked, name, value)
            notices.payment_not_made(locked, template, reason=exc.message, prepared=True)
        else:
            locked.payment_state = P.SCHEDULED
        locked.save()
        audit_record(
            company=company,
            actor=None,
            action="recurring.payment_prepared",
            target=str(template),
            ref=f"recurring:{template.pk}",
            data={
                "date": locked.date.isoformat(),
                "payment": payment.reference,
                "payment_date": payment_date.isoformat(),
                "reason": locked.reason,
            },
        )
    return locked


def _payment_refused(
    locked: RecurringOccurrence, template: RecurringBill, reason: Phrase | str
) -> None:
    locked.payment_state = P.REFUSED
    for name, value in store("reason", reason).items():
        setattr(locked, name, value)
    locked.save()
    notices.payment_not_made(locked, template, reason=reason, prepared=False)
    audit_record(
        company=locked.company,
        actor=None,
        action="recurring.payment_refused",
        target=str(template),
        ref=f"recurring:{template.pk}",
        data={"date": locked.date.isoformat(), "reason": locked.reason},
    )


def preview_since(template: RecurringBill) -> date:
    """The first day the preview of a saved template shows: today, or later if it starts later."""
    return max(timezone.localdate(), template.runs_from, template.start_date)


__all__ = [
    "TemplateInput",
    "bill_checked",
    "occurrence_key",
    "occurrence_payment_prepare",
    "occurrence_run",
    "recurring_create",
    "recurring_due_company_ids",
    "recurring_due_dates",
    "recurring_pause",
    "recurring_payments_prepare",
    "recurring_payments_waiting",
    "recurring_resume",
    "recurring_run",
    "recurring_update",
    "schedule_of",
]
