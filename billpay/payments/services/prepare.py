"""Preparing, confirming, cancelling and retrying payments (the reservation side)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from billpay.approvals.services import approval_withdraw, approvals_refresh
from billpay.codat.serialize import dumps
from billpay.core.money import quantize, to_decimal
from billpay.core.services import AuditEntry, audit_record, audit_record_many
from billpay.core.words import Day, Phrase, phrase
from billpay.mapping.selectors import mapping_for_currency
from billpay.mapping.services import method_get
from billpay.onboarding.roles import Can, require, two_factor_gate
from billpay.payments.credit_rules import CreditStyle
from billpay.payments.errors import (
    MappingRequired,
    PaymentInvalid,
)
from billpay.payments.models import (
    Payment,
    PaymentAllocation,
    PaymentCredit,
    PaymentEvent,
    PaymentSettings,
)
from billpay.payments.selectors import bill_in_flight, company_credit_style
from billpay.payments.services.approval import KIND as PAYMENT
from billpay.payments.services.approval import payment_policy_gate, payment_subject
from billpay.payments.services.checks import approval_gate, check_bills, lock_bills, payment_target
from billpay.payments.services.common import event_new, new_reference, transition
from billpay.payments.services.credit import credits_check, payment_bodies
from billpay.payments.services.writeback import payment_send, payments_send_new

if TYPE_CHECKING:
    from billpay.bills.models import Bill
    from billpay.mapping.models import LedgerAccount
    from billpay.onboarding.models import Company, User

S = Payment.Status
ZERO = Decimal("0")


def payment_prepare(
    *,
    company: Company,
    actor: User | None,
    bill_ids: list[int],
    method: str,
    amounts: dict[int, Decimal],
    payment_date: date,
    note: str = "",
    form_token: uuid.UUID | None = None,
    credits: dict[int, Decimal] | None = None,
) -> Payment:
    """Prepare a payment of bills of one supplier (a draft that reserves its amounts).

    `amounts`: what each bill gets (cash + credit); `credits`: the credit to use per credit note
    id of the supplier (the rest is paid in cash; all credit: no money moves).

    **Idempotent:** on `form_token` (a double-submitted form returns the first payment).
    **Raises:** NotAllowed (the actor's role prepares no payment), MappingRequired,
    AmountNotAvailable, PaymentInvalid.
    **Transaction:** one; the bills are locked while the amounts are reserved.
    """
    require(company, actor, Can.PREPARE_PAYMENTS)
    if form_token and (found := _by_token(company, form_token)):
        return found
    if not bill_ids:
        raise PaymentInvalid(gettext("Pick at least one bill to pay."))
    _key, label, _kind = method_get(method)
    try:
        with transaction.atomic():
            bills = lock_bills(company, bill_ids)
            currency = bills[0].currency
            mapping = mapping_for_currency(company=company, method=method, currency=currency)
            if mapping is None:
                raise MappingRequired(
                    gettext(
                        "No account is set up to pay %(currency)s bills by %(method)s. Map one "
                        "under Settings › Payment accounts (or create one in your books there), "
                        "then try again."
                    )
                    % {"currency": currency, "method": label}
                )
            wanted = {b.pk: quantize(to_decimal(amounts.get(b.pk, ZERO)), currency) for b in bills}
            check_bills(company, bills, wanted, payment_date, exclude=None)
            used = credits_check(company, bills, wanted, credits or {}, payment_date, exclude=None)
            draft = _draft(
                company,
                actor,
                bills,
                wanted,
                method=method,
                account=mapping.account,
                payment_date=payment_date,
                note=note,
                form_token=form_token,
                credits=used,
                credit_style=company_credit_style(company=company) if used else "",
            )
            _insert(company, actor, [draft])
    except IntegrityError:
        if form_token and (found := _by_token(company, form_token)):
            return found
        raise
    # Its approvers (if a rule covers it) are asked now, not when someone tries to record it.
    approvals_refresh(company=company, subjects=[payment_subject(draft.payment)], announce=True)
    return draft.payment


@dataclass(frozen=True)
class BatchGroup:
    """One payment of a batch: its bills, the amount for each, the account it is paid from.

    `across_suppliers`: a batch payment without supplier (Xero), named `supplier_name`.
    """

    bill_ids: list[int]
    amounts: dict[int, Decimal]
    account: LedgerAccount
    across_suppliers: bool = False
    supplier_name: str = ""


def payments_create_batch(
    *,
    company: Company,
    actor: User | None,
    method: str,
    payment_date: date,
    groups: list[BatchGroup],
) -> list[Payment]:
    """Prepare and confirm one payment per group of a batch approved as a whole (a pay run).

    Locks every bill of the batch once (in id order), checks each group as `payment_prepare` and
    `payment_confirm` do (against what other payments, and the batch's groups before it,
    reserve), then confirms them all: sent now (each its own push, started after commit) or
    scheduled for `payment_date`. The payments are `refresh_by_batch`: their batch asks Codat to
    re-read the bills once for all of them (`payments.hooks`).
    A constant number of queries however many groups: the payments are new in this transaction,
    so each is inserted already confirmed (its timeline still says prepared, then confirmed).
    **Approval:** the caller's (the batch was approved as a whole, not bill by bill).
    **Raises:** NotAllowed, AmountNotAvailable, PaymentInvalid.
    **Transaction:** one (or the caller's): all the payments, or none.
    """
    require(company, actor, Can.CONFIRM_PAYMENTS)
    with transaction.atomic():
        locked = {b.pk: b for b in lock_bills(company, [i for g in groups for i in g.bill_ids])}
        in_flight = bill_in_flight(company=company, bill_ids=list(locked))
        drafts = []
        for group in groups:
            bills = [locked[pk] for pk in sorted(group.bill_ids)]
            wanted = {pk: to_decimal(amount) for pk, amount in group.amounts.items()}
            check_bills(
                company,
                bills,
                wanted,
                payment_date,
                exclude=None,
                across_suppliers=group.across_suppliers,
                in_flight=in_flight,
            )
            for bill in bills:  # reserved by this group for the groups after it
                in_flight[bill.pk] = in_flight.get(bill.pk, ZERO) + wanted[bill.pk]
            drafts.append(
                _draft(
                    company,
                    actor,
                    bills,
                    wanted,
                    method=method,
                    account=group.account,
                    payment_date=payment_date,
                    across_suppliers=group.across_suppliers,
                    supplier_name=group.supplier_name,
                    refresh_by_batch=True,
                )
            )
        payments = [d.payment for d in drafts]
        confirmed_at = timezone.now()
        scheduled = payment_date > timezone.localdate()
        for payment in payments:
            payment.confirmed_by, payment.confirmed_at = actor, confirmed_at
        if scheduled:
            for payment in payments:
                payment.status = S.SCHEDULED
            message, action = _scheduled_for(payment_date), "payment.scheduled"
        else:
            payments_send_new(company=company, payments=payments, actor=actor)
            message, action = phrase(gettext_noop("Confirmed")), "payment.confirmed"
        _insert(
            company,
            actor,
            drafts,
            then=[(message, action, _confirmed_data(p)) for p in payments],
        )
    return payments


@dataclass
class _Draft:
    """A payment not saved yet, its allocations and what its audit event says it pays."""

    payment: Payment
    allocations: list[PaymentAllocation]
    bills: list[str]
    credits: list[PaymentCredit] = ()


def _draft(
    company: Company,
    actor: User | None,
    bills: list[Bill],
    wanted: dict[int, Decimal],
    *,
    method: str,
    account: LedgerAccount,
    payment_date: date,
    note: str = "",
    form_token: uuid.UUID | None = None,
    across_suppliers: bool = False,
    supplier_name: str = "",
    refresh_by_batch: bool = False,
    credits: list[PaymentCredit] = (),
    credit_style: str = "",
) -> _Draft:
    """A draft payment of these checked bills and its allocations, with its body; not saved."""
    currency = bills[0].currency
    credit = sum((c.amount for c in credits), ZERO)
    payment = Payment(
        company=company,
        reference=new_reference(),
        supplier=None if across_suppliers else bills[0].supplier,
        codat_supplier_id="" if across_suppliers else bills[0].codat_supplier_id,
        supplier_name=supplier_name if across_suppliers else bills[0].supplier_name,
        method=method,
        account=account,
        codat_account_id=account.codat_account_id,
        currency=currency,
        total_amount=sum(wanted.values(), ZERO) - credit,
        credit_amount=credit,
        currency_rate=Decimal("1") if currency == company.base_currency else bills[0].currency_rate,
        payment_date=payment_date,
        note=note.strip(),
        form_token=form_token,
        refresh_by_batch=refresh_by_batch,
        created_by=actor if actor and actor.is_authenticated else None,
    )
    allocations = [
        PaymentAllocation(
            company=company,
            payment=payment,
            bill=b,
            codat_bill_id=b.codat_bill_id,
            amount=wanted[b.pk],
            currency=currency,
            amount_due_before=b.amount_due,
            bill_status_before=b.codat_status,
            codat_supplier_id_before=b.codat_supplier_id,
        )
        for b in bills
    ]
    for c in credits:
        c.payment = payment
    body, credit_bodies = payment_bodies(
        payment=payment, allocations=allocations, credits=list(credits), style=credit_style
    )
    payment.request_body = dumps(body)
    payment.credit_bodies = [dumps(b) for b in credit_bodies]
    return _Draft(payment, allocations, [b.codat_bill_id for b in bills], list(credits))


def _insert(
    company: Company,
    actor: User | None,
    drafts: list[_Draft],
    *,
    then: list[tuple[Phrase, str, dict]] | None = None,
) -> None:
    """Insert the drafts, their allocations, their "Prepared" events and audit records: one
    insert each, however many. `then`: per draft, the (message, audit action, audit data) of the
    step it was inserted in (confirmed or scheduled), recorded after "Prepared"."""
    payments = Payment.objects.bulk_create([d.payment for d in drafts])
    for d in drafts:
        for a in d.allocations:
            a.payment = d.payment  # its pk is known now
    PaymentAllocation.objects.bulk_create([a for d in drafts for a in d.allocations])
    for d in drafts:
        for c in d.credits:
            c.payment = d.payment
    PaymentCredit.objects.bulk_create([c for d in drafts for c in d.credits])
    events = [
        event_new(p, S.DRAFT, phrase(gettext_noop("Prepared")), actor=p.created_by)
        for p in payments
    ]
    entries = [
        AuditEntry(
            action="payment.prepared",
            target=payment_target(d.payment),
            ref=f"payment:{d.payment.pk}",
            data={
                "bills": d.bills,
                "method": d.payment.method,
                "total": str(d.payment.total_amount),
                "currency": d.payment.currency,
                "date": d.payment.payment_date.isoformat(),
                **(
                    {
                        "credit": str(d.payment.credit_amount),
                        "credit_notes": sorted({c.codat_credit_note_id for c in d.credits}),
                    }
                    if d.credits
                    else {}
                ),
            },
        )
        for d in drafts
    ]
    for p, (message, action, data) in zip(payments, then or [], strict=False):
        events.append(
            event_new(
                p, p.status, message, actor=actor if actor and actor.is_authenticated else None
            )
        )
        entries.append(
            AuditEntry(action=action, target=payment_target(p), ref=f"payment:{p.pk}", data=data)
        )
    PaymentEvent.objects.bulk_create(events)
    audit_record_many(company=company, actor=actor, entries=entries)


def _scheduled_for(day: date) -> Phrase:
    """The timeline's line of a payment confirmed for a later date."""
    return phrase(gettext_noop("Scheduled for %(date)s"), date=Day(day))


def _confirmed_data(payment: Payment) -> dict:
    return {
        "total": str(payment.total_amount),
        "currency": payment.currency,
        "date": payment.payment_date.isoformat(),
    }


def payment_body(*, payment: Payment, allocations: list[PaymentAllocation]) -> dict:
    """The bill payment exactly as it is written to the books (Codat's JSON shape), for a
    payment without credit notes (see `credit.payment_bodies`).

    One line per bill, each with one `Bill` link whose amount is negative (it reduces what is
    owed); `totalAmount` is the sum of the lines.
    """
    body, _credit_bodies = payment_bodies(
        payment=payment, allocations=allocations, credits=[], style=CreditStyle.APART
    )
    return body


def payment_confirm(
    *, company: Company, actor: User | None, payment_id: int, verified: bool | None = None
) -> Payment:
    """Confirm a prepared payment: queue it now, or schedule it for its date.

    `verified`: whether the actor's session passed two-step login (None: no session to ask).
    **Idempotent:** only a draft is confirmed; confirming again returns it unchanged.
    **Raises:** NotAllowed (accountants prepare, owners pay; TwoFactorRequired when the company
    requires two-step login and `verified` is False), ApprovalRequired, AmountNotAvailable.
    **Transaction:** one, with the bills locked; the write-back is enqueued after commit.
    """
    require(
        company,
        actor,
        Can.CONFIRM_PAYMENTS,
        gettext(
            "Only an owner or an admin can record payments. Your payment is prepared for them."
        ),
    )
    two_factor_gate(company=company, verified=verified)
    payment = Payment.objects.get(company=company, pk=payment_id)
    if payment.status != S.DRAFT:
        return payment
    approval_gate(company, actor, payment)  # outside: its audit event must survive the refusal
    payment_policy_gate(company, payment)
    with transaction.atomic():
        _recheck(company, payment)
        _confirm_checked(company, actor, payment)
    return payment


def _confirm_checked(company: Company, actor: User | None, payment: Payment) -> bool:
    """Send a checked draft now, or schedule it for its date; False if it had moved already."""
    scheduled = payment.payment_date > timezone.localdate()
    confirmed = {"confirmed_by": actor, "confirmed_at": timezone.now()}
    if scheduled:
        message = _scheduled_for(payment.payment_date)
        moved = transition(
            payment, [S.DRAFT], S.SCHEDULED, actor=actor, message=message, **confirmed
        )
    else:
        Payment.objects.filter(pk=payment.pk, status=S.DRAFT).update(**confirmed)
        moved = payment_send(
            payment=payment,
            from_statuses=[S.DRAFT],
            actor=actor,
            message=phrase(gettext_noop("Confirmed")),
        )
    if moved:
        audit_record(
            company=company,
            actor=actor,
            action="payment.scheduled" if scheduled else "payment.confirmed",
            target=payment_target(payment),
            ref=f"payment:{payment.pk}",
            data=_confirmed_data(payment),
        )
    return moved


def payment_cancel(*, company: Company, actor: User | None, payment_id: int) -> Payment:
    """Cancel a draft, scheduled or held payment, releasing its amounts.

    **Idempotent.** **Raises:** NotAllowed (accountants may only discard drafts), PaymentInvalid.
    """
    payment = Payment.objects.get(company=company, pk=payment_id)
    if payment.status == S.CANCELLED:
        return payment
    if not payment.can_cancel:
        raise PaymentInvalid(
            gettext("This payment is already on its way to your books and can't be cancelled.")
        )
    if payment.status != S.DRAFT:
        require(
            company,
            actor,
            Can.CONFIRM_PAYMENTS,
            gettext("Only an owner or an admin can cancel a scheduled payment."),
        )
    with transaction.atomic():
        if transition(
            payment,
            [S.DRAFT, S.SCHEDULED, S.ON_HOLD],
            S.CANCELLED,
            actor=actor,
            message=phrase(gettext_noop("Cancelled")),
        ):
            audit_record(
                company=company,
                actor=actor,
                action="payment.cancelled",
                target=payment_target(payment),
                ref=f"payment:{payment.pk}",
            )
            approval_withdraw(company=company, kind=PAYMENT, object_id=payment.pk)
    return payment


def payment_retry(
    *, company: Company, actor: User | None, payment_id: int, approval_given: bool = False
) -> Payment:
    """Try a failed payment again: a new attempt, a new push with a new idempotency key.

    `approval_given`: the caller approved it as part of a batch (a pay run), so the per-bill
    approval gate does not apply. **Idempotent:** only a failed payment is retried.
    **Raises:** NotAllowed, ApprovalRequired, AmountNotAvailable.
    **Transaction:** one, with the bills locked while the amounts are reserved again.
    """
    require(company, actor, Can.CONFIRM_PAYMENTS)
    payment = Payment.objects.get(company=company, pk=payment_id)
    if payment.status != S.FAILED:
        return payment
    if not approval_given:
        approval_gate(company, actor, payment)
        payment_policy_gate(company, payment)
    with transaction.atomic():
        _recheck(company, payment)
        retry = phrase(gettext_noop("Retried"))
        if payment_send(payment=payment, from_statuses=[S.FAILED], actor=actor, message=retry):
            audit_record(
                company=company,
                actor=actor,
                action="payment.retried",
                target=payment_target(payment),
                ref=f"payment:{payment.pk}",
            )
    return payment


def payment_settings_save(
    *, company: Company, actor: User | None, approval_threshold: Decimal | None
) -> PaymentSettings:
    """Set the approval threshold (None: no approval needed). **Raises:** NotAllowed."""
    require(company, actor, Can.MANAGE_SETTINGS)
    with transaction.atomic():
        settings_row, _ = PaymentSettings.objects.update_or_create(
            company=company,
            defaults={"approval_threshold": approval_threshold, "updated_by": actor},
        )
        audit_record(
            company=company,
            actor=actor,
            action="payment.settings_changed",
            target="Approval threshold",
            data={
                "approval_threshold": None
                if approval_threshold is None
                else str(approval_threshold),
                "currency": company.base_currency,
            },
        )
    return settings_row


# --- internals ------------------------------------------------------------------------------


def _recheck(company: Company, payment: Payment) -> None:
    """Lock the payment's bills and check its amounts again against what they leave to pay.
    **Transaction:** the caller's (the locks last until it ends). **Raises:** DomainError."""
    bills = lock_bills(company, list(payment.allocations.values_list("bill_id", flat=True)))
    wanted = {a.bill_id: a.amount for a in payment.allocations.all()}
    # Credit already in the books (a credit-only bill payment of an earlier attempt that
    # landed) is not asked of the bills or the notes again: only what is still to write.
    written = [c for c in payment.credits.select_related("push") if _credit_written(c)]
    for c in written:
        wanted[c.bill_id] -= c.amount
    still = [b for b in bills if wanted[b.pk] > ZERO]
    if still:
        check_bills(
            company,
            still,
            wanted,
            payment.payment_date,
            exclude=payment,
            across_suppliers=not payment.codat_supplier_id,
        )
    held: dict[int, Decimal] = {}
    for c in payment.credits.select_related("push"):
        if not _credit_written(c):
            held[c.credit_note_id] = held.get(c.credit_note_id, ZERO) + c.amount
    if held:
        credits_check(company, still, wanted, held, payment.payment_date, exclude=payment)


def _credit_written(credit: PaymentCredit) -> bool:
    """Written by a credit-only bill payment of its own that is in the books."""
    return (
        credit.step != PaymentCredit.MAIN
        and credit.push is not None
        and credit.push.status == credit.push.Status.SUCCEEDED
    )


def _by_token(company: Company, token: uuid.UUID) -> Payment | None:
    return Payment.objects.filter(company=company, form_token=token).first()
