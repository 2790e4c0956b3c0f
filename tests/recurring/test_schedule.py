"""The dates of a recurring bill, worked out without the database (property-based)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from billpay.recurring.schedule import (
    LAST_DATE,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    Schedule,
    bill_dates,
    dates_for,
    preview,
    working_day,
)

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))
frequencies = st.sampled_from([WEEKLY, MONTHLY, QUARTERLY])


@st.composite
def schedules(draw):
    start = draw(days)
    end = draw(st.none() | st.dates(min_value=start, max_value=start + timedelta(days=3000)))
    count = None if end else draw(st.none() | st.integers(min_value=1, max_value=60))
    return Schedule(
        frequency=draw(frequencies),
        start_date=start,
        end_date=end,
        count=count,
        due_days=draw(st.integers(min_value=0, max_value=365)),
        pays=draw(st.booleans()),
        payment_offset_days=draw(st.integers(min_value=-365, max_value=365)),
    )


def _take(schedule, n=40, since=None):
    out = []
    for day in bill_dates(schedule, since=since):
        out.append(day)
        if len(out) >= n:
            break
    return out


@given(schedules())
def test_dates_go_forward_from_the_start_and_stop_at_the_end_or_the_count(schedule):
    dates = _take(schedule)

    assert dates, "the start date itself is always a date"
    assert dates[0] == schedule.start_date
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    if schedule.end_date:
        assert dates[-1] <= schedule.end_date
    if schedule.count:
        assert len(dates) == min(schedule.count, 40)
    assert dates[-1] <= LAST_DATE


@given(schedules())
def test_steps_are_a_week_a_month_or_a_quarter(schedule):
    dates = _take(schedule)

    for a, b in zip(dates, dates[1:], strict=False):
        gap = (b - a).days
        if schedule.frequency == WEEKLY:
            assert gap == 7
        elif schedule.frequency == MONTHLY:
            assert 28 <= gap <= 31
            assert (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1
        else:
            assert 89 <= gap <= 92
            assert (b.year * 12 + b.month) - (a.year * 12 + a.month) == 3


@given(schedules())
def test_a_month_end_start_falls_on_each_months_last_day_when_shorter(schedule):
    dates = _take(schedule)

    if schedule.frequency != WEEKLY:
        for day in dates:
            wanted = schedule.start_date.day
            last = (
                (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            ).day
            assert day.day == min(wanted, last)


def test_the_31st_every_month_is_the_last_day_of_shorter_months_and_the_31st_again():
    schedule = Schedule(frequency=MONTHLY, start_date=date(2027, 1, 31), count=5)

    assert list(bill_dates(schedule)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_a_leap_year_february_gets_the_29th():
    schedule = Schedule(frequency=QUARTERLY, start_date=date(2027, 11, 30), count=2)

    assert list(bill_dates(schedule)) == [date(2027, 11, 30), date(2028, 2, 29)]


@given(days)
def test_a_working_day_is_monday_to_friday_and_at_most_two_days_later(day):
    moved = working_day(day)

    assert moved.weekday() < 5
    assert 0 <= (moved - day).days <= 2
    if day.weekday() < 5:
        assert moved == day


def test_a_saturday_or_sunday_payment_moves_to_monday():
    saturday, sunday, monday = date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 4)

    assert working_day(saturday) == monday
    assert working_day(sunday) == monday


@given(schedules(), days)
def test_the_dates_from_a_day_are_the_schedules_dates_from_that_day(schedule, since):
    everything = _take(schedule, n=400)
    expected = [d for d in everything if d >= since][:10]

    got = _take(schedule, n=10, since=since)

    if len(everything) < 400 or (expected and expected[-1] < everything[-1]):
        assert got == expected


@given(schedules())
def test_due_and_payment_dates_follow_each_bill_date(schedule):
    for row in preview(schedule, since=schedule.start_date):
        assert row.due_date == row.bill_date + timedelta(days=schedule.due_days)
        if schedule.pays:
            assert row.payment_date.weekday() < 5
            assert row.payment_date >= row.bill_date
            planned = max(
                row.due_date + timedelta(days=schedule.payment_offset_days), row.bill_date
            )
            assert 0 <= (row.payment_date - planned).days <= 2
        else:
            assert row.payment_date is None


@given(schedules())
def test_the_preview_shows_at_most_twelve_dates(schedule):
    rows = preview(schedule, since=schedule.start_date)

    assert len(rows) == min(12, len(_take(schedule, n=13)))


def test_a_payment_due_on_a_sunday_is_made_on_monday():
    # 2027-01-01 + 30 days = Sunday 31 January 2027
    schedule = Schedule(frequency=MONTHLY, start_date=date(2027, 1, 1), due_days=30, pays=True)

    first = dates_for(schedule, date(2027, 1, 1))

    assert first.due_date == date(2027, 1, 31)
    assert first.payment_date == date(2027, 2, 1)


def test_a_schedule_near_the_end_of_the_calendar_stops_there():
    schedule = Schedule(frequency=QUARTERLY, start_date=date(2199, 6, 1))

    assert list(bill_dates(schedule)) == [date(2199, 6, 1), date(2199, 9, 1), date(2199, 12, 1)]
