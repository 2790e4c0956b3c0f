"""The bills ticked in the inbox: which they are (a pay run, billpay.runs, pays them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from billpay.bills.models import Bill

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

MAX_SELECTED = 50  # one inbox page


def bill_list_selected(*, company: Company, bill_ids: list[int]) -> list[Bill]:
    """The company's bills with these ids, by due date; a 404 if any is not the company's."""
    wanted = set(bill_ids)
    bills = list(
        Bill.objects.filter(company=company, is_deleted=False, pk__in=wanted).order_by(
            "due_date", "pk"
        )
    )
    if not bills or len(bills) != len(wanted):
        raise Http404("No such bill.")
    return bills
