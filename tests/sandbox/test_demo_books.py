"""The demo books look like a real business's today: most bills fall due in the coming weeks."""

from collections import defaultdict
from datetime import date

import pytest

from billpay.sandbox import seeding
from billpay.sandbox.models import SandboxLedgerRecord
from billpay.sandbox.sample_data import SUFFIXES_BY_CURRENCY

pytestmark = pytest.mark.django_db


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


@pytest.fixture
def books(clock):
    seeded = seeding.seed_company(name="Today Co", bills=600, seed=5)
    rows = SandboxLedgerRecord.objects.filter(company=seeded.company, is_deleted=False)
    bills = [r.data for r in rows if r.data_type == "bills"]
    suppliers = [r.data for r in rows if r.data_type == "suppliers"]
    return clock.now.date(), bills, suppliers


def _owed(bills):
    return [b for b in bills if b["status"] in ("Open", "PartiallyPaid") and b["amountDue"] > 0]


def test_about_fifteen_percent_of_bills_are_overdue_by_days_or_weeks(books):
    today, bills, _ = books
    overdue = [b for b in _owed(bills) if _day(b["dueDate"]) < today]
    assert 0.10 <= len(overdue) / len(bills) <= 0.20
    assert all((today - _day(b["dueDate"])).days <= 42 for b in overdue)


def test_most_bills_to_pay_fall_due_in_the_coming_weeks(books):
    today, bills, _ = books
    owed = _owed(bills)
    upcoming = [b for b in owed if 0 <= (_day(b["dueDate"]) - today).days <= 60]
    assert len(upcoming) > len(owed) / 2
    assert len(owed) > len(bills) / 2


def test_no_bill_is_issued_in_the_future_and_history_spans_a_few_months(books):
    today, bills, _ = books
    assert all(_day(b["issueDate"]) <= today for b in bills)
    paid = [b for b in bills if b["status"] == "Paid"]
    ages = [(today - _day(b["issueDate"])).days for b in paid]
    assert 0.12 <= len(paid) / len(bills) <= 0.28
    assert max(ages) >= 90 and max(ages) <= 130
    partly = [b for b in bills if b["status"] == "PartiallyPaid"]
    assert 0.05 <= len(partly) / len(bills) <= 0.16
    for bill in paid + partly:
        paid_on = _day(bill["paymentAllocations"][0]["payment"]["paidOnDate"])
        assert _day(bill["issueDate"]) <= paid_on <= today


def test_each_supplier_has_its_own_terms_and_a_name_that_fits_its_currency(books):
    _, bills, suppliers = books
    terms = defaultdict(set)
    for bill in bills:
        terms[bill["supplierRef"]["id"]].add((_day(bill["dueDate"]) - _day(bill["issueDate"])).days)
    assert all(len(days) == 1 for days in terms.values())
    assert {days.pop() for days in terms.values()} >= {14, 30}
    for supplier in suppliers:
        suffixes = SUFFIXES_BY_CURRENCY[supplier["defaultCurrency"]]
        assert supplier["supplierName"].endswith(suffixes)
