"""Deleting a recorded bill payment from the books again (issue 16, point 2).

A verified payment whose platform allows it (CODAT.md §8: QuickBooks Online and Desktop,
NetSuite, Xero (a soft delete) and Sage Intacct) can be deleted from the books by an owner or
an admin: `DELETE …/push/billPayments/{id}` sent through its own push (`payment.delete`, the
exactly-once machine: claim, send, follow, look up before any resend). The payment stays
verified while that push is on its way; once the books confirm, it becomes `deleted`, and Codat
is asked to re-read the bills so the mirror shows their amount due back.

Exactly once: the confirmation form's one-time key is the push's Idempotency-Key (a double
click finds the first push), the payment row is locked while the push is created (a second
person finds it on its way), and a lost answer is looked up in the books (the bill payment
gone or `isDeleted`) before anything is sent again.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from billpay.bills.models import SyncRun
from billpay.bills.tasks import sync_start
from billpay.codat.errors import CodatError
from billpay.core.errors import DomainError
from billpay.core.services import audit_record
from billpay.core.words import Phrase, phrase, store, stored_phrase
from billpay.onboarding.roles import Can, require
from billpay.onboarding.selectors import connection_get
from billpay.payments.hooks import deleted_handlers
from billpay.payments.models import Payment, PaymentEvent
from billpay.payments.services.common import transition
from billpay.payments.services.writeback import bills_refresh_request
from billpay.pushes.models import Push
from billpay.pushes.services import push_create
from billpay.pushes.tasks import push_start

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User

logger = logging.getLogger(__name__)
S = Payment.Status
DELETE_KIND = "payment.delete"
# The spec's delete-billPayment "Supported integrations" (Xero's is a soft delete).
PAYMENT_DELETE_PLATFORMS = frozenset({"qhyg", "pqsw", "akxx", "gbol", "knfz"})


def payment_delete_refusal(*, payment: Payment) -> str:
    """Why this payment cannot be deleted from the books now, in plain words; empty if it can."""
    if payment.status == S.DELETED:
        return gettext("This payment was already deleted from your books.")
    if payment.status != S.VERIFIED or not payment.codat_bill_payment_id:
        return gettext("Only a payment your books show as recorded can be deleted from them.")
    if payment.is_deleting:
        return gettext("This payment is being deleted from your books.")
    connection = connection_get(company=payment.company)
    if connection is None or connection.platform_key not in PAYMENT_DELETE_PLATFORMS:
        platform = (connection.platform_name if connection else "") or gettext(
            "Your accounting software"
        )
        return gettext(
            "%(platform)s does not let BillPay delete payments. Delete it in %(platform)s itself."
        ) % {"platform": platform}
    return ""


def payment_delete_in_books(
    *, company: Company, actor: User | None, payment_id: int, submission_key: uuid.UUID
) -> Payment:
    """Ask the books to delete this payment's bill payment (a push), once.

    **Idempotent:** on `submission_key` (the confirmation form's one-time key, the push's
    Idempotency-Key), and a payment whose deletion is on its way is left alone.
    **Raises:** NotAllowed (role), DomainError (not deletable: see `payment_delete_refusal`).
    **Transaction:** one; the push starts after commit.
    """
    require(company, actor, Can.DELETE_IN_BOOKS)
    try:
        with transaction.atomic():
            # Its deletion push is read after the lock, not joined: a row joined to a locked
            # one is as it was before the wait (a second person saw no push, yet an id).
            payment = (
                Payment.objects.select_for_update(of=("self",))
                .select_related("company", "push")
                .get(company=company, pk=payment_id)
            )
            if _same_request(payment, submission_key) or payment.is_deleting:
                return payment  # a double click, or a second person: it is on its way
            refusal = payment_delete_refusal(payment=payment)
            if refusal:
                raise DomainError(refusal)
            push = push_create(
                company=company,
                kind=DELETE_KIND,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                idempotency_key=submission_key,
            )
            Payment.objects.filter(pk=payment.pk).update(
                delete_push=push, updated_at=timezone.now()
            )
            payment.delete_push = push
            PaymentEvent.objects.create(
                company_id=company.pk,
                payment_id=payment.pk,
                status=payment.status,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                **store("message", phrase(gettext_noop("Asked your books to delete it"))),
            )
            audit_record(
                company=company,
                actor=actor,
                action="payment.delete_requested",
                target=payment.reference,
                ref=f"payment:{payment.pk}",
                data={"bill_payment_id": payment.codat_bill_payment_id},
            )
            push_start(push)
    except IntegrityError:
        # The same form posted twice at once: the key is taken by the first push.
        return Payment.objects.get(company=company, pk=payment_id)
    return payment


def _same_request(payment: Payment, key: uuid.UUID) -> bool:
    return payment.delete_push_id is not None and payment.delete_push.idempotency_key == key


def payment_delete_changed(*, push: Push, message: Phrase | str) -> None:
    """The deletion's push moved: on success the payment is deleted; on failure it says why.

    **Transaction:** runs inside the push machine's (no network I/O here).
    """
    payment = Payment.objects.select_related("company").filter(delete_push=push).first()
    if payment is None:
        return
    if push.status == Push.Status.SUCCEEDED:
        if transition(
            payment,
            [S.VERIFIED],
            S.DELETED,
            message=phrase(gettext_noop("Deleted from your books")),
            deleted_at=timezone.now(),
        ):
            audit_record(
                company=payment.company,
                actor=None,  # the books did it
                action="payment.deleted",
                target=payment.reference,
                ref=f"payment:{payment.pk}",
                data={"bill_payment_id": payment.codat_bill_payment_id},
            )
            for handler in deleted_handlers():  # a pay run it belonged to needs attention
                handler(payment=payment)
    elif push.status == Push.Status.FAILED:
        reason = stored_phrase(push.error, push.error_i18n)
        line = phrase(gettext_noop("Not deleted from your books: %(reason)s"), reason=reason)
        PaymentEvent.objects.create(
            company_id=payment.company_id,
            payment_id=payment.pk,
            status=payment.status,
            **store("message", line),
        )
        audit_record(
            company=payment.company,
            actor=None,
            action="payment.delete_failed",
            target=payment.reference,
            ref=f"payment:{payment.pk}",
            data={"reason": push.error, "reason_i18n": push.error_i18n},
        )
    elif push.status == Push.Status.CHECKING:
        PaymentEvent.objects.create(
            company_id=payment.company_id,
            payment_id=payment.pk,
            status=payment.status,
            **store("message", message),
        )


def payment_delete_landed(*, push: Push) -> None:
    """The bill payment is gone from the books (committed): ask Codat to re-read the bills and
    sync them, so their amount due comes back in the mirror (`read.completed` syncs again)."""
    company = push.company
    try:
        bills_refresh_request(company=company)
    except CodatError as exc:  # the sync schedule (and read.completed) catch up anyway
        logger.info("bills refresh after deleting a payment of company %s: %s", company.pk, exc)
    sync_start(company=company, trigger=SyncRun.Trigger.PUSH, data_types=["bills"])
