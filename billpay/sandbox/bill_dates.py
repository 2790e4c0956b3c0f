"""Where a demo bill's dates fall, relative to the day the books are generated."""

import random
from datetime import date, timedelta


def bill_kind(rng: random.Random) -> tuple[str, str]:
    """A bill's status in the books and where its dates fall: like a business's books today,
    where most bills fall due in the coming weeks, about 15 % are overdue by days or weeks,
    and paid ones make a few months of history."""
    roll = rng.random()
    if roll < 0.03:
        return "Draft", "upcoming"
    if roll < 0.05:
        return "Void", "history"
    if roll < 0.25:
        return "Paid", "history"
    if roll < 0.40:
        return ("PartiallyPaid" if rng.random() < 0.3 else "Open"), "overdue"
    return ("PartiallyPaid" if rng.random() < 0.1 else "Open"), "upcoming"


def bill_dates(rng: random.Random, when: str, terms: int, today: date) -> tuple[date, date]:
    """(issue date, due date) for a bill on `terms` days, relative to today."""
    if when == "overdue":
        # Mostly by days or a week or two, a few by over a month.
        late = rng.choice((rng.randint(1, 7), rng.randint(3, 14), rng.randint(10, 40)))
        due = today - timedelta(days=late)
        return due - timedelta(days=terms), due
    if when == "history":
        issue = today - timedelta(days=rng.randint(terms // 2 + 1, 120))
        return issue, issue + timedelta(days=terms)
    # Issued within its terms (never in the future), so it falls due in the coming weeks.
    due = today + timedelta(days=rng.randint(0, terms))
    return due - timedelta(days=terms), due
