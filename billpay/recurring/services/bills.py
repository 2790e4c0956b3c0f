"""The beat: each due date's bill made through the new-bill form and `bill_create`, once."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from billpay.bills.forms import BillForm, line_formset
from billpay.bills.selectors import create as bill_sel
from billpay.bills.services.create import (
    PossibleDuplicate,
    bill_create,
)
from billpay.bills.services.options import PlatformRules, push_rules_get
from billpay.core.errors import DomainError
from billpay.core.parsing import scoped_key
from billpay.core.services import audit_record
from billpay.core.words import Phrase, phrase, store
from billpay.onboarding.roles import Can, require
from billpay.recurring.models import RecurringBill, RecurringOccurrence
from billpay.recurring.schedule import bill_dates, dates_for
from billpay.recurring.services.payments import recurring_payments_prepare
from billpay.recurring.services.templates import schedule_of

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

S = RecurringBill.Status
O = RecurringOccurrence.State  # noqa: E741
P = RecurringOccurrence.Payment
# A template's dates missed while no worker ran are caught up, at most this many per run.
CATCH_UP = 60
KEY_NAMESPACE = uuid.UUID("5b0f3f8e-8f0c-4a5e-9d43-6a1c1f0d7e21")


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
