"""A template's dates, worked out without the database (tested with hypothesis).

- The n-th bill date is counted from the start date, never from the previous date: monthly from
  the 31st gives the last day of each shorter month and the 31st again where there is one
  (`dateutil.relativedelta` clamps a day past the month's end to its last day).
- The due date is the bill date plus the payment terms; the payment date is the due date moved by
  the offset, never before the bill date, and a Saturday or Sunday moves to the Monday after
  (working days are Monday to Friday: no public holidays).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

WEEKLY, MONTHLY, QUARTERLY = "weekly", "monthly", "quarterly"
STEP = {
    WEEKLY: relativedelta(weeks=1),
    MONTHLY: relativedelta(months=1),
    QUARTERLY: relativedelta(months=3),
}
# The furthest any date may go (the bill form's own limit): a schedule stops there.
LAST_DATE = date(2199, 12, 31)
PREVIEW_SIZE = 12


@dataclass(frozen=True)
class Schedule:
    frequency: str
    start_date: date
    end_date: date | None = None
    count: int | None = None
    due_days: int = 30
    pays: bool = False
    payment_offset_days: int = 0


@dataclass(frozen=True)
class Dates:
    """One run of the schedule: the bill's date, its due date and (if asked) the payment's."""

    bill_date: date
    due_date: date
    payment_date: date | None


def working_day(day: date) -> date:
    """The day itself from Monday to Friday; a Saturday or Sunday moves to the next Monday."""
    weekday = day.weekday()
    return day + timedelta(days=7 - weekday) if weekday >= 5 else day


def nth_date(schedule: Schedule, n: int) -> date:
    """The n-th bill date (0: the start date), counted from the start. **Raises:** OverflowError
    past year 9999."""
    step = STEP[schedule.frequency]
    return schedule.start_date + step * n


def bill_dates(schedule: Schedule, *, since: date | None = None) -> Iterator[date]:
    """The schedule's bill dates in order, from `since` (inclusive) on, until its end date, its
    count or LAST_DATE."""
    n = 0
    if since is not None and since > schedule.start_date:
        n = _first_index_on_or_after(schedule, since)
    while schedule.count is None or n < schedule.count:
        try:
            day = nth_date(schedule, n)
        except (OverflowError, ValueError):
            return
        if day > LAST_DATE or (schedule.end_date is not None and day > schedule.end_date):
            return
        yield day
        n += 1


def dates_for(schedule: Schedule, bill_date: date) -> Dates:
    """The due date and payment date that go with a bill date."""
    due = bill_date + timedelta(days=schedule.due_days)
    payment = None
    if schedule.pays:
        payment = working_day(max(due + timedelta(days=schedule.payment_offset_days), bill_date))
    return Dates(bill_date, due, payment)


def preview(schedule: Schedule, *, since: date, size: int = PREVIEW_SIZE) -> list[Dates]:
    """The next `size` runs on or after `since`."""
    out = []
    for day in bill_dates(schedule, since=since):
        out.append(dates_for(schedule, day))
        if len(out) >= size:
            break
    return out


def _first_index_on_or_after(schedule: Schedule, since: date) -> int:
    """The smallest n whose date is on or after `since` (an estimate, then a few steps)."""
    days = (since - schedule.start_date).days
    per = {WEEKLY: 7, MONTHLY: 31, QUARTERLY: 92}[schedule.frequency]
    n = max(days // per - 1, 0)
    try:
        while nth_date(schedule, n) < since:
            n += 1
    except (OverflowError, ValueError):
        pass
    return n
