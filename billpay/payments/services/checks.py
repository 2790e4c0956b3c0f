"""The reservation rules every payment passes before it may go: bills locked, amounts checked,
approvals required above the threshold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from billpay.bills.approval import bills_held
from billpay.bills.models import Bill
from billpay.core.money import format_money
from billpay.core.services import audit_record
from billpay.payments import notices
from billpay.payments.errors import AmountNotAvailable, ApprovalRequired, PaymentInvalid
from billpay.payments.models import Payment
from billpay.payments.selectors import bill_in_flight, bill_needs_approval, payment_settings_get

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

ZERO = Decimal("0")
UNPAYABLE_STATUSES = ("Void", "Draft", "Paid")


def lock_bills(company: Company, bill_ids: list[int]) -> list[Bill]:
    # Always lock in id order, so two payments of overlapping bills cannot deadlock.
    bills = list(
        Bill.objects.select_for_update(of=("self",))
        .filter(company=company, pk__in=bill_ids, is_deleted=False)
        .select_related("supplier")
        .order_by("pk")
    )
    if len(bills) != len(set(bill_ids)):
        raise PaymentInvalid(gettext("One of these bills is no longer in your books."))
    return bills


def check_bills(
    company: Company,
    bills: list[Bill],
    wanted: dict[int, Decimal],
    payment_date: date,
    *,
    exclude: Payment | None,
    across_suppliers: bool = False,
    in_flight: dict[int, Decimal] | None = None,
) -> None:
    """Every amount > 0 and ≤ what is due minus what other payments reserve; one supplier (unless
    `across_suppliers`: Xero's batch payment) and one currency. `in_flight`: what is reserved
    per bill, when the caller read it once for many payments (`bill_in_flight`).
    **Raises:** PaymentInvalid, AmountNotAvailable."""
    suppliers = {b.codat_supplier_id for b in bills}
    if not across_suppliers and (len(suppliers) > 1 or not bills[0].codat_supplier_id):
        raise PaymentInvalid(
            gettext("One payment pays one supplier: pick bills of a single supplier.")
        )
    if across_suppliers and "" in suppliers:
        raise PaymentInvalid(
            gettext("Every bill of a batch payment needs a supplier in your books.")
        )
    if len({b.currency for b in bills}) > 1:
        raise PaymentInvalid(
            gettext("One payment has one currency: pick bills in a single currency.")
        )
    latest_issue = max((b.issue_date for b in bills if b.issue_date), default=None)
    if latest_issue and payment_date < latest_issue:
        raise PaymentInvalid(
            gettext("The payment date can't be before the bill was issued (%(date)s).")
            % {"date": f"{latest_issue:%d %b %Y}"}
        )
    if in_flight is None:
        in_flight = bill_in_flight(company=company, bill_ids=[b.pk for b in bills])
    if exclude is not None:
        in_flight = dict(in_flight)
        for a in exclude.allocations.all():
            in_flight[a.bill_id] = in_flight.get(a.bill_id, ZERO) - a.amount
    for bill in bills:
        name = f"{bill.supplier_name} {bill.reference}".strip()
        if not bill.is_in_books:
            raise PaymentInvalid(
                gettext("%(bill)s is still on its way to your books; pay it once it is there.")
                % {"bill": name}
            )
        if bill.codat_status in UNPAYABLE_STATUSES or bill.amount_due <= ZERO:
            raise PaymentInvalid(_unpayable(bill) % {"bill": name})
        if bill.review_status == Bill.Review.REJECTED:
            raise PaymentInvalid(
                gettext("%(bill)s was rejected in review and can't be paid.") % {"bill": name}
            )
        amount = wanted.get(bill.pk, ZERO)
        available = bill.amount_due - in_flight.get(bill.pk, ZERO)
        if amount <= ZERO:
            raise AmountNotAvailable(
                gettext("Enter an amount above zero for %(bill)s.") % {"bill": name}
            )
        if amount > available:
            raise AmountNotAvailable(
                gettext(
                    "%(bill)s: at most %(available)s can be paid "
                    "(amount due %(due)s, %(in_flight)s already on its way)."
                )
                % {
                    "bill": name,
                    "available": format_money(max(available, ZERO), bill.currency),
                    "due": format_money(bill.amount_due, bill.currency),
                    "in_flight": format_money(bill.amount_due - available, bill.currency),
                }
            )


def approval_gate(company: Company, actor: User | None, payment: Payment) -> None:
    threshold = payment_settings_get(company=company).approval_threshold
    bills = list(Bill.objects.filter(company=company, payment_allocations__payment=payment))
    held = bills_held(company=company, bills=bills)
    over = [b for b in bills if bill_needs_approval(company=company, bill=b, threshold=threshold)]
    blocked = over + [b for b in bills if b.pk in held and b not in over]
    if not blocked:
        return
    names = ", ".join(f"{b.supplier_name} {b.reference}".strip() for b in blocked)
    audit_record(
        company=company,
        actor=actor,
        action="payment.approval_required",
        target=payment_target(payment),
        ref=f"payment:{payment.pk}",
        data={"bills": [b.codat_bill_id for b in blocked]},
    )
    notices.approval_requested(company, actor, payment, [b.codat_bill_id for b in blocked])
    if not over:
        raise ApprovalRequired(
            gettext(
                "Approve %(bills)s first: your approval rules ask for these bills to be approved "
                "before they are paid."
            )
            % {"bills": names}
        )
    raise ApprovalRequired(
        gettext(
            "Approve %(bills)s first: bills over %(threshold)s "
            "(or in another currency) need an approved review before they can be paid."
        )
        % {"bills": names, "threshold": format_money(threshold, company.base_currency)}
    )


def payment_target(payment: Payment) -> str:
    """How a payment is named in the audit trail."""
    return (
        f"{payment.reference} {format_money(payment.total_amount, payment.currency)} "
        f"to {payment.supplier_name}"
    )


def _unpayable(bill: Bill) -> str:
    # A whole sentence per state (not a word put into one): each language says it its own way,
    # and the status is in words, never Codat's name for it.
    if bill.codat_status == "Draft":
        return gettext("%(bill)s is a draft in your books and can't be paid.")
    if bill.codat_status == "Void":
        return gettext("%(bill)s is voided in your books and can't be paid.")
    if bill.codat_status == "Paid" or bill.amount_due <= ZERO:
        return gettext("%(bill)s is paid in your books and can't be paid again.")
    return gettext("%(bill)s is not open in your books and can't be paid.")
