"""Supplier credit notes set against the bills of a payment: checked, reserved, split into the
bill payments the platform needs (see `payments.credit_rules`).

The user gives an amount per credit note; it is spread over the payment's bills in order (each
bill takes credit up to what the payment gives it), so each (bill, note) pair is one
`PaymentCredit`. The bill's allocation keeps counting cash + credit (what the bill gets).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from billpay.bills.models import LOCAL_ID_PREFIX, Bill, CreditNote
from billpay.core.money import format_money
from billpay.payments.credit_rules import CreditStyle
from billpay.payments.errors import AmountNotAvailable, PaymentInvalid
from billpay.payments.models import Payment, PaymentAllocation, PaymentCredit
from billpay.payments.selectors import company_credit_style, credit_reserved

if TYPE_CHECKING:
    from billpay.onboarding.models import Company

ZERO = Decimal("0")
UNUSABLE = (CreditNote.Status.VOID, CreditNote.Status.DRAFT, CreditNote.Status.PAID)


def credits_check(
    company: Company,
    bills: list[Bill],
    wanted: dict[int, Decimal],
    credits: dict[int, Decimal],
    payment_date: date,
    *,
    exclude: Payment | None,
) -> list[PaymentCredit]:
    """Check the credit asked per note and spread it over the bills: unsaved `PaymentCredit`s
    (no payment, no step yet). The notes are locked (the caller's transaction) so two payments
    cannot both use the same credit.
    **Raises:** PaymentInvalid, AmountNotAvailable."""
    asked = {pk: amount for pk, amount in credits.items() if amount and amount > ZERO}
    if not asked:
        return []
    if company_credit_style(company=company) == CreditStyle.NONE:
        raise PaymentInvalid(
            gettext("Your accounting software doesn't take credit notes in payments.")
        )
    notes = list(
        CreditNote.objects.select_for_update()
        .filter(company=company, pk__in=list(asked), is_deleted=False)
        .order_by("issue_date", "pk")
    )
    if len(notes) != len(asked):
        raise PaymentInvalid(gettext("One of these credit notes is no longer in your books."))
    currency, supplier = bills[0].currency, bills[0].codat_supplier_id
    reserved = credit_reserved(company=company, note_ids=list(asked))
    if exclude is not None:
        for held in exclude.credits.all():
            reserved[held.credit_note_id] = reserved.get(held.credit_note_id, ZERO) - held.amount
    for note in notes:
        name = note.number or gettext("a credit note")
        if note.codat_supplier_id != supplier:
            raise PaymentInvalid(
                gettext("%(note)s is from another supplier: use it to pay their bills.")
                % {"note": name}
            )
        if note.currency != currency:
            raise PaymentInvalid(
                gettext("%(note)s is in %(note_currency)s; this payment is in %(currency)s.")
                % {"note": name, "note_currency": note.currency, "currency": currency}
            )
        if note.status in UNUSABLE or note.codat_id.startswith(LOCAL_ID_PREFIX):
            raise PaymentInvalid(gettext("%(note)s has no credit to use.") % {"note": name})
        if note.issue_date and payment_date < note.issue_date:
            raise PaymentInvalid(
                gettext("The payment date can't be before %(note)s was issued (%(date)s).")
                % {"note": name, "date": f"{note.issue_date:%d %b %Y}"}
            )
        available = note.remaining_credit - reserved.get(note.pk, ZERO)
        if asked[note.pk] > available:
            raise AmountNotAvailable(
                gettext("%(note)s: at most %(available)s of credit is left to use.")
                % {"note": name, "available": format_money(max(available, ZERO), currency)}
            )
    total_credit, total = sum(asked.values(), ZERO), sum(wanted.values(), ZERO)
    if total_credit > total:
        raise AmountNotAvailable(
            gettext(
                "The credit (%(credit)s) is more than this payment gives the bills "
                "(%(total)s): use less credit, or pay more of the bills."
            )
            % {
                "credit": format_money(total_credit, currency),
                "total": format_money(total, currency),
            }
        )
    return _spread(company, bills, wanted, notes, asked)


def _spread(company, bills, wanted, notes, asked) -> list[PaymentCredit]:
    """Each note's credit over the bills in order, each bill up to what it is given."""
    room = {b.pk: wanted.get(b.pk, ZERO) for b in bills}
    spread = []
    for note in notes:
        left = asked[note.pk]
        for bill in bills:
            take = min(left, room[bill.pk])
            if take <= ZERO:
                continue
            room[bill.pk] -= take
            left -= take
            spread.append(
                PaymentCredit(
                    company=company,
                    credit_note=note,
                    codat_credit_note_id=note.codat_id,
                    bill=bill,
                    codat_bill_id=bill.codat_bill_id,
                    amount=take,
                    currency=note.currency,
                    remaining_before=note.remaining_credit,
                )
            )
            if left <= ZERO:
                break
    return spread


def payment_bodies(
    *,
    payment: Payment,
    allocations: list[PaymentAllocation],
    credits: list[PaymentCredit],
    style: str,
) -> tuple[dict, list[dict]]:
    """The payment's own bill payment and the credit-only ones written before it.

    Sets each credit's `step`. TOGETHER: one body, each bill's line moving its cash with its
    `Bill` link for cash + credit and a `CreditNote` link per note. APART: one credit-only body
    (`totalAmount: 0`, a line per pair), then the cash. ONE_EACH: one credit-only body per pair,
    then the cash. Without cash, the last credit-only body is the payment's own.
    """
    credit_of: dict[int, Decimal] = {}
    for c in credits:
        credit_of[c.bill_id] = credit_of.get(c.bill_id, ZERO) + c.amount
    cash = {a.bill_id: a.amount - credit_of.get(a.bill_id, ZERO) for a in allocations}
    if not credits:
        return _body(payment, [_cash_line(a, cash[a.bill_id]) for a in allocations]), []
    if style == CreditStyle.TOGETHER:
        lines = []
        for a in allocations:
            notes = [c for c in credits if c.bill_id == a.bill_id]
            line = _cash_line(a, cash[a.bill_id], bill_amount=a.amount)
            line["links"] += [
                {"type": "CreditNote", "id": c.codat_credit_note_id, "amount": c.amount}
                for c in notes
            ]
            lines.append(line)
        for c in credits:
            c.step = PaymentCredit.MAIN
        return _body(payment, lines), []
    groups = [credits] if style == CreditStyle.APART else [[c] for c in credits]
    bodies = []
    for step, group in enumerate(groups):
        for c in group:
            c.step = step
        suffix = "C" if len(groups) == 1 else f"C{step + 1}"
        bodies.append(_body(payment, [_credit_line(c) for c in group], suffix=suffix))
    cash_lines = [_cash_line(a, cash[a.bill_id]) for a in allocations if cash[a.bill_id] > ZERO]
    if cash_lines:
        return _body(payment, cash_lines), bodies
    for c in groups[-1]:
        c.step = PaymentCredit.MAIN
    return bodies[-1], bodies[:-1]


def _cash_line(a: PaymentAllocation, cash: Decimal, bill_amount: Decimal | None = None) -> dict:
    amount = cash if bill_amount is None else bill_amount
    return {"amount": cash, "links": [{"type": "Bill", "id": a.codat_bill_id, "amount": -amount}]}


def _credit_line(c: PaymentCredit) -> dict:
    return {
        "amount": ZERO,
        "links": [
            {"type": "Bill", "id": c.codat_bill_id, "amount": -c.amount},
            {"type": "CreditNote", "id": c.codat_credit_note_id, "amount": c.amount},
        ],
    }


def _body(payment: Payment, lines: list[dict], suffix: str = "") -> dict:
    """A bill payment of these lines in Codat's JSON shape; `suffix` marks a credit-only one
    (its own reference, by which a lookup finds it; it moves no money, so no account)."""
    body: dict = {}
    if payment.codat_supplier_id:  # a batch across suppliers (Xero) has none: CODAT.md §8
        body["supplierRef"] = {"id": payment.codat_supplier_id}
    total = sum((line["amount"] for line in lines), ZERO)
    if not suffix:
        body["accountRef"] = {"id": payment.codat_account_id}
    body["totalAmount"] = total
    body["currency"] = payment.currency
    if payment.currency_rate is not None:
        body["currencyRate"] = payment.currency_rate.normalize()
    body["date"] = payment.payment_date
    if payment.note:
        body["note"] = payment.note
    body["reference"] = payment.reference + suffix
    body["lines"] = lines
    return body
