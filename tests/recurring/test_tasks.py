"""The beat: one task per company with recurring bills; the payments task after a sync."""

import uuid
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from billpay.bills.services.create import LineInput
from billpay.recurring.hooks import recurring_bills_synced
from billpay.recurring.models import RecurringOccurrence
from billpay.recurring.schedule import Schedule
from billpay.recurring.services import (
    TemplateInput,
    recurring_create,
    recurring_due_company_ids,
    recurring_due_dates,
    recurring_pause,
)
from billpay.recurring.tasks import (
    recurring_payments_task,
    recurring_run_all_task,
    recurring_run_task,
)
from tests.factories import ExpenseAccountFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def _template(company, user, **schedule):
    schedule.setdefault("frequency", "weekly")
    schedule.setdefault("start_date", timezone.localdate())
    return recurring_create(
        company=company,
        actor=user,
        data=TemplateInput(
            supplier=SupplierFactory(company=company),
            reference="SUB",
            currency="USD",
            note="",
            lines=(
                LineInput(
                    description="Licence",
                    quantity=Decimal("3"),
                    unit_amount=Decimal("9.99"),
                    account=ExpenseAccountFactory(company=company),
                ),
            ),
            schedule=Schedule(**schedule),
        ),
        submission_key=uuid.uuid4(),
    )


def test_the_beat_fans_out_one_task_per_company_with_an_active_template(
    company, user, other_company, enqueued
):
    _template(company, user)
    charlie = other_company.memberships.get().user
    recurring_pause(template=_template(other_company, charlie), actor=charlie)

    count = recurring_run_all_task.run()

    assert count == 1
    assert enqueued == [("recurring_run_task", {"company_id": company.pk})]


def test_the_beat_is_in_the_schedule_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["recurring-bills"]
    assert entry["task"] == "billpay.recurring.tasks.recurring_run_all_task"
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {0}


def test_a_task_for_a_company_that_is_gone_does_nothing():
    assert recurring_run_task.run(company_id=987654321) is None
    assert recurring_payments_task.run(company_id=987654321) is None


def test_the_task_runs_the_company(company, user):
    with mock.patch("billpay.recurring.tasks.recurring_run", return_value=2) as run:
        recurring_run_task.run(company_id=company.pk)

    run.assert_called_once_with(company=company)


def test_only_transient_errors_are_retried():
    from billpay.codat.errors import CodatTransientError

    assert CodatTransientError in recurring_run_task.autoretry_for
    assert recurring_run_task.max_retries


def test_a_sync_queues_the_payments_task_only_when_a_payment_waits(
    company, user, django_capture_on_commit_callbacks
):
    template = _template(company, user)
    with mock.patch.object(recurring_payments_task, "delay_on_commit") as delay:
        recurring_bills_synced(company=company)
        assert not delay.called
        RecurringOccurrence.objects.create(
            company=company,
            template=template,
            date=timezone.localdate(),
            submission_key=uuid.uuid4(),
            state="created",
            payment_state="waiting",
        )
        recurring_bills_synced(company=company)

    delay.assert_called_once_with(company_id=company.pk)
    assert recurring_due_company_ids() == [company.pk]


def test_due_dates_run_from_the_day_it_was_made_and_stop_at_today(company, user):
    today = timezone.localdate()
    template = _template(company, user, start_date=today - timedelta(weeks=5))

    assert recurring_due_dates(template, today=today) == [
        d for d in (today - timedelta(weeks=5 - n) for n in range(6)) if d >= today
    ]
    assert recurring_due_dates(template, today=today + timedelta(days=14)) == [
        today,
        today + timedelta(weeks=1),
        today + timedelta(weeks=2),
    ]


def test_a_count_ends_the_schedule(company, user):
    today = timezone.localdate()
    template = _template(company, user, count=2)

    assert recurring_due_dates(template, today=today + timedelta(weeks=10)) == [
        today,
        today + timedelta(weeks=1),
    ]


def test_the_same_occurrence_key_every_run_and_a_different_one_per_company(
    company, user, other_company
):
    from billpay.recurring.services import occurrence_key

    template = _template(company, user)
    day = timezone.localdate()

    assert occurrence_key(template, day) == occurrence_key(template, day)
    assert occurrence_key(template, day) != occurrence_key(template, day + timedelta(days=7))
    template.company_id = other_company.pk
    assert occurrence_key(template, day) != occurrence_key(
        type(template).objects.get(pk=template.pk), day
    )
