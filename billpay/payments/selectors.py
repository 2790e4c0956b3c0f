"""Reads for payments: company-scoped querysets, in-flight sums, the pay form's starting point."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext, gettext_noop

from billpay.bills.models import Bill, CreditNote
from billpay.bills.selectors import credit_notes_available
from billpay.core.words import Phrase, phrase
from billpay.mapping.selectors import mapping_for_currency, payment_methods
from billpay.onboarding.selectors import connection_get
from billpay.payments.credit_rules import CreditStyle, credit_style
from billpay.payments.models import Payment, PaymentAllocation, PaymentCredit, PaymentSettings

if TYPE_CHECKING:
    from billpay.mapping.models import LedgerAccount
    from billpay.onboarding.models import Company

ZERO = Decimal("0")
AMOUNT_SUM = DecimalField(max_digits=19, decimal_places=4)


@dataclass(frozen=True)
class PaymentFilter:
    status: str = ""
    supplier: str = ""
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class PayableBill:
    """A bill on the pay form: what is due, what is already in flight, what can still be paid."""

    bill: Bill
    in_flight: Decimal
    available: Decimal
    needs_approval: bool


@dataclass(frozen=True)
class UsableCredit:
    """A supplier credit note on the pay form: its credit, what payments hold, what is left."""

    note: CreditNote
    reserved: Decimal
    available: Decimal


@dataclass(frozen=True)
class PayStart:
    """Everything the pay form needs for a selection of bills."""

    bills: list[PayableBill]
    currency: str
    codat_supplier_id: str
    methods: list[tuple[str, str]]  # (key, label) of methods mapped in this currency
    unmapped: list[tuple[str, str]]
    problems: list[str] = field(default_factory=list)
    # Bills that cannot be paid at all (paid, void, rejected…), each with the reason in words.
    unpayable: list[tuple[Bill, str]] = field(default_factory=list)
    # The supplier's credit notes in the bills' currency with credit left to use.
    credits: list[UsableCredit] = field(default_factory=list)
    credit_style: str = CreditStyle.APART

    @property
    def payable_ids(self) -> list[int]:
        """The picked bills that can still be paid (for a link that drops the others)."""
        skip = {bill.pk for bill, _reason in self.unpayable}
        return [row.bill.pk for row in self.bills if row.bill.pk not in skip]

    @property
    def unmapped_labels(self) -> str:
        """The methods not mapped in this currency, as one list for a sentence."""
        return ", ".join(label for _key, label in self.unmapped)

    @property
    def all_paid(self) -> bool:
        """Every picked bill is already paid in full: the page says so and offers no form."""
        return all(row.bill.is_paid for row in self.bills)


def payment_list(*, company: Company, filters: PaymentFilter | None = None) -> QuerySet[Payment]:
    """The company's payments, newest first, with their account and bills."""
    filters = filters or PaymentFilter()
    qs = Payment.objects.filter(company=company).select_related("account", "created_by", "push")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.supplier:
        qs = qs.filter(codat_supplier_id=filters.supplier)
    if filters.q:
        qs = qs.filter(reference__icontains=filters.q) | qs.filter(
            supplier_name__icontains=filters.q
        )
    if filters.date_from:
        qs = qs.filter(payment_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(payment_date__lte=filters.date_to)
    return qs.prefetch_related("allocations__bill").order_by("-created_at", "-id")


def payment_get(*, company: Company, payment_id: int) -> Payment:
    """One payment of the company with allocations and timeline; 404 for anyone else's."""
    payment = (
        Payment.objects.filter(company=company, pk=payment_id)
        .select_related("account", "created_by", "confirmed_by", "push", "delete_push")
        .prefetch_related(
            "allocations__bill", "events__actor", "credits__credit_note", "credits__bill"
        )
        .first()
    )
    if payment is None:
        raise Http404("No such payment.")
    return payment


def platform_name(*, company: Company) -> str:
    """The name of the company's accounting software, for plain words on a page."""
    connection = connection_get(company=company)
    return (connection.platform_name if connection else "") or gettext("your accounting software")


def platform_key(*, company: Company) -> str:
    connection = connection_get(company=company)
    return connection.platform_key if connection else ""


def payment_suppliers(*, company: Company) -> list[tuple[str, str]]:
    """(codat supplier id, name) of suppliers the company has payments for, for the filter."""
    rows = (
        Payment.objects.filter(company=company)
        .values_list("codat_supplier_id", "supplier_name")
        .distinct()
        .order_by("supplier_name")
    )
    return list(dict(rows).items())


def bill_in_flight(*, company: Company, bill_ids: list[int]) -> dict[int, Decimal]:
    """Amounts reserved by unfinished payments, per bill id."""
    rows = (
        PaymentAllocation.objects.filter(
            company=company, bill_id__in=bill_ids, payment__status__in=Payment.IN_FLIGHT
        )
        .values("bill_id")
        .annotate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT_SUM))
    )
    return {row["bill_id"]: row["total"] for row in rows}


def credit_reserved(*, company: Company, note_ids: list[int]) -> dict[int, Decimal]:
    """Credit held per credit note id by payments the mirrored note may not show yet.

    Unfinished payments hold their credit; a recorded payment keeps holding it until the note
    is read again from the books after the payment was recorded (its `modified_date` is later),
    so a stale `remaining_credit` is never offered twice.
    """
    stale = Q(credit_note__modified_date__isnull=True) | Q(
        credit_note__modified_date__lt=F("payment__completed_at")
    )
    rows = (
        PaymentCredit.objects.filter(company=company, credit_note_id__in=note_ids)
        .filter(
            Q(payment__status__in=Payment.IN_FLIGHT)
            | (Q(payment__status=Payment.Status.VERIFIED) & stale)
        )
        .values("credit_note_id")
        .annotate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=AMOUNT_SUM))
    )
    return {row["credit_note_id"]: row["total"] for row in rows}


def usable_credits(
    *, company: Company, codat_supplier_id: str, currency: str
) -> list[UsableCredit]:
    """The supplier's credit notes in `currency` with credit left once payments' holds count."""
    if not codat_supplier_id:
        return []
    notes = list(
        credit_notes_available(company, codat_supplier_id=codat_supplier_id, currency=currency)
    )
    reserved = credit_reserved(company=company, note_ids=[n.pk for n in notes])
    usable = []
    for note in notes:
        held = reserved.get(note.pk, ZERO)
        if note.remaining_credit - held > ZERO:
            usable.append(UsableCredit(note, held, note.remaining_credit - held))
    return usable


def company_credit_style(*, company: Company) -> CreditStyle:
    """How the company's books take credit notes in bill payments."""
    connection = connection_get(company=company)
    return credit_style(connection.platform_key if connection is not None else "")


def payment_settings_get(*, company: Company) -> PaymentSettings:
    """The company's payment settings (unsaved defaults if it never changed them)."""
    return PaymentSettings.objects.filter(company=company).first() or PaymentSettings(
        company=company
    )


def bill_needs_approval(*, company: Company, bill: Bill, threshold: Decimal | None) -> bool:
    """Whether the approval gate applies to this bill and it is not approved.

    The threshold is in the base currency. A bill in another currency is compared only when
    converting is not needed: without a trustworthy rate we err on the side of asking.
    """
    if threshold is None or bill.review_status == Bill.Review.APPROVED:
        return False
    if bill.currency != company.base_currency:
        return True
    return bill.total_amount > threshold


def pay_start(*, company: Company, bill_ids: list[int]) -> PayStart:
    """The selected bills (all of one supplier and currency) and the methods that can pay them."""
    bills = list(
        Bill.objects.filter(company=company, pk__in=bill_ids)
        .select_related("supplier")
        .order_by("due_date", "pk")
    )
    if not bills or len(bills) != len(set(bill_ids)):
        raise Http404("No such bill.")
    problems = []
    currencies = {b.currency for b in bills}
    suppliers = {b.codat_supplier_id for b in bills}
    if len(suppliers) > 1:
        problems.append(gettext("Pick bills of one supplier: one payment pays one supplier."))
    if len(currencies) > 1:
        problems.append(gettext("Pick bills in one currency: one payment has one currency."))
    unpayable = [(bill, reason) for bill in bills if (reason := bill_unpayable_reason(bill=bill))]
    threshold = payment_settings_get(company=company).approval_threshold
    in_flight = bill_in_flight(company=company, bill_ids=[b.pk for b in bills])
    rows = []
    for bill in bills:
        reserved = in_flight.get(bill.pk, ZERO)
        rows.append(
            PayableBill(
                bill=bill,
                in_flight=reserved,
                available=max(bill.amount_due - reserved, ZERO),
                needs_approval=bill_needs_approval(company=company, bill=bill, threshold=threshold),
            )
        )
    currency = bills[0].currency
    methods, unmapped = [], []
    for key, label, _kind in payment_methods():
        target = (
            methods
            if mapping_for_currency(company=company, method=key, currency=currency)
            else unmapped
        )
        target.append((key, label))
    style = company_credit_style(company=company)
    credits = []
    if not problems and style != CreditStyle.NONE:
        credits = usable_credits(
            company=company, codat_supplier_id=bills[0].codat_supplier_id, currency=currency
        )
    return PayStart(
        bills=rows,
        currency=currency,
        codat_supplier_id=bills[0].codat_supplier_id,
        methods=methods,
        unmapped=unmapped,
        problems=problems,
        unpayable=unpayable,
        credits=credits,
        credit_style=style,
    )


def bill_unpayable_reason(*, bill: Bill) -> str:
    """Why the bill cannot be paid at all, in words ("" when it can be). The same rules as the
    payment's own checks (`services.checks.check_bills`), said before the form is filled in."""
    said = bill_unpayable_phrase(bill=bill)
    return str(said) if said is not None else ""


def bill_unpayable_phrase(*, bill: Bill) -> Phrase | None:
    """`bill_unpayable_reason` as a phrase, to keep (a pay run's left-out bills); None if payable."""
    name = f"{bill.supplier_name} {bill.reference}".strip() or phrase(gettext_noop("This bill"))
    if bill.is_deleted:
        msgid = gettext_noop("%(bill)s is no longer in your books.")
    elif bill.is_paid:
        msgid = gettext_noop("%(bill)s is already paid in full: there is nothing left to pay.")
    elif not bill.is_in_books:
        msgid = gettext_noop("%(bill)s is still on its way to your books; pay it once it is there.")
    elif bill.codat_status == "Void":
        msgid = gettext_noop("%(bill)s is void in your books: there is nothing to pay.")
    elif bill.codat_status == "Draft":
        msgid = gettext_noop(
            "%(bill)s is still a draft in your books; pay it once it is approved there."
        )
    elif bill.amount_due <= ZERO:
        msgid = gettext_noop("%(bill)s has nothing left to pay.")
    elif bill.review_status == Bill.Review.REJECTED:
        msgid = gettext_noop("%(bill)s was rejected in review and can't be paid.")
    else:
        return None
    return phrase(msgid, bill=name)


def account_label(*, account: LedgerAccount) -> str:
    """The account's name with its currency, said once ("Business Current (USD)")."""
    name = account.name or gettext("Account")
    if account.currency and account.currency.upper() not in name.upper():
        return f"{name} ({account.currency})"
    return name


def method_label(*, method: str) -> str:
    """The label of a payment method key (the key itself if it is no longer offered)."""
    return next((label for key, label, _kind in payment_methods() if key == method), method)


def payment_body_display(*, payment: Payment) -> str:
    """The exact JSON written to the books, indented for reading (numbers keep their digits)."""
    if not payment.request_body:
        return ""
    return _indent(json.loads(payment.request_body, parse_float=Decimal), 0)


def payment_credit_bodies_display(*, payment: Payment) -> list[str]:
    """The credit-only bill payments written before the payment's own, indented for reading."""
    return [_indent(json.loads(b, parse_float=Decimal), 0) for b in payment.credit_bodies or []]


def _indent(value: Any, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {_indent(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        items = [f"{inner}{_indent(v, depth + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
