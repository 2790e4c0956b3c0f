"""The bills ticked in the inbox: which they are, and how they split into payments.

One payment pays one supplier in one currency (a bill payment in the books has one supplier and
one currency), so a selection across suppliers is shown as groups, each payable on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import Http404

from billpay.bills.models import Bill

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

MAX_SELECTED = 50  # one inbox page
NOT_PAYABLE = ("Void", "Draft")  # as TO_PAY in models.py


@dataclass(frozen=True)
class PayGroup:
    """Bills of one supplier in one currency: what one payment can pay."""

    supplier_name: str
    currency: str
    bills: list[Bill]
    amount_due: Decimal

    @property
    def bill_ids(self) -> list[int]:
        return [b.pk for b in self.bills]


@dataclass(frozen=True)
class PaySelection:
    groups: list[PayGroup]
    left_out: list[Bill]  # paid already, or not in the books yet: nothing to pay there


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


def bill_pay_selection(*, company: Company, bill_ids: list[int]) -> PaySelection:
    """The selected bills grouped by supplier and currency, by supplier name; a 404 if any is
    not the company's."""
    groups: dict[tuple[str, str], list[Bill]] = {}
    left_out = []
    for bill in bill_list_selected(company=company, bill_ids=bill_ids):
        if bill.amount_due > 0 and bill.is_in_books and bill.codat_status not in NOT_PAYABLE:
            groups.setdefault((bill.codat_supplier_id, bill.currency), []).append(bill)
        else:
            left_out.append(bill)
    result = [
        PayGroup(
            supplier_name=bills[0].supplier_name or "(no supplier)",
            currency=currency,
            bills=bills,
            amount_due=sum((b.amount_due for b in bills), Decimal("0")),  # exact: Decimals
        )
        for (_supplier, currency), bills in groups.items()
    ]
    result.sort(key=lambda g: (g.supplier_name.lower(), g.currency))
    return PaySelection(groups=result, left_out=left_out)
