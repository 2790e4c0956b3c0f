"""The payments' push adapters: a bill payment written to the books, found by our reference;
and its deletion from the books, found done when the books no longer have it."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from billpay.codat import CodatClient
from billpay.codat.errors import CodatNotFoundError
from billpay.codat.schemas import PushOperation
from billpay.codat.serialize import loads
from billpay.core.words import Phrase, as_phrase, phrase
from billpay.onboarding.models import AccountingConnection
from billpay.payments.models import Payment
from billpay.payments.services.deletes import (
    DELETE_KIND,
    payment_delete_changed,
    payment_delete_landed,
)
from billpay.payments.services.writeback import (
    CREDIT_PUSH_KIND,
    PUSH_KIND,
    credit_pushes_block,
    payment_credit_push_changed,
    payment_push_changed,
)
from billpay.payments.tasks import payment_verify_start
from billpay.pushes.models import Push
from billpay.pushes.services import PushAdapter


class PaymentPush(PushAdapter):
    kind = PUSH_KIND
    data_type = "billPayments"
    history_keys = ("reference",)  # ours, unique per company

    def blocked(self, push: Push) -> Phrase | str:
        # Credit-only bill payments (QBO, Xero) go first: the cash needs the credit applied.
        payment = getattr(push, "payment", None)
        return credit_pushes_block(payment) if payment is not None else ""

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.create_bill_payment(
            company_id=push.company.codat_company_id,
            connection_id=connection.codat_connection_id,
            bill_payment=loads(push.body),
            idempotency_key=str(push.idempotency_key),
        )

    def find_in_books(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> str:
        reference = loads(push.body).get("reference") if push.body else None
        if not reference:
            return ""
        found = next(
            iter(
                client.list_bill_payments(
                    company_id=push.company.codat_company_id,
                    query=f"reference={reference}",
                    page_size=5,
                )
            ),
            None,
        )
        return found.id if found is not None else ""

    def on_change(self, push: Push, message: Phrase | str, op: PushOperation | None = None) -> None:
        payment_push_changed(push=push, message=message)

    def after_success(self, push: Push) -> None:
        payment = getattr(push, "payment", None)
        # A batch's payment was announced to its batch (payment_settled), which asks Codat to
        # re-read the bills once for all of them.
        if payment is not None and not payment.refresh_by_batch:
            payment_verify_start(payment)

    def describe_failure(self, push: Push, reason: Phrase | str, messages: list[str]) -> Phrase:
        if messages:  # the books' own words, kept as they wrote them
            return phrase(
                gettext_noop("Your books rejected this payment: %(messages)s"),
                messages=" ".join(messages),
            )
        reason = as_phrase(reason)
        return reason if reason.msgid else phrase(gettext_noop("Your books rejected this payment."))


class PaymentDeletePush(PushAdapter):
    """`DELETE …/push/billPayments/{id}`: a resend cannot make a second record, and a lost
    answer is looked up as "is the bill payment still in the books?"."""

    kind = DELETE_KIND
    data_type = "billPayments"
    resend_is_idempotent = True  # deleting twice deletes one bill payment

    def _record_id(self, push: Push) -> str:
        payment = Payment.objects.select_related("push").filter(delete_push=push).first()
        return payment.codat_bill_payment_id if payment is not None else ""

    def blocked(self, push: Push) -> Phrase | str:
        if not self._record_id(push):
            return gettext_noop("This payment is not in your books, so there is nothing to delete.")
        return ""

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.delete_bill_payment(
            company_id=push.company.codat_company_id,
            connection_id=connection.codat_connection_id,
            bill_payment_id=self._record_id(push),
            idempotency_key=str(push.idempotency_key),
        )

    def find_in_books(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> str:
        record_id = self._record_id(push)
        if not record_id:
            return ""
        try:
            found = client.get_bill_payment(
                company_id=push.company.codat_company_id, bill_payment_id=record_id
            )
        except CodatNotFoundError:
            return record_id  # the books no longer have it: deleted
        return record_id if found.is_deleted else ""

    def on_change(self, push: Push, message: Phrase | str, op: PushOperation | None = None) -> None:
        payment_delete_changed(push=push, message=message)

    def after_success(self, push: Push) -> None:
        payment_delete_landed(push=push)

    def describe_failure(self, push: Push, reason: Phrase | str, messages: list[str]) -> Phrase:
        if messages:  # the books' own words, kept as they wrote them
            return phrase(
                gettext_noop("Your books did not delete this payment: %(messages)s"),
                messages=" ".join(messages),
            )
        reason = as_phrase(reason)
        if reason.msgid:
            return reason
        return phrase(gettext_noop("Your books did not delete this payment."))


class PaymentCreditPush(PaymentPush):
    """A credit-only bill payment (`totalAmount: 0`) written before the payment's own: sent and
    found in the books like it, by its own reference (the payment's + "C…")."""

    kind = CREDIT_PUSH_KIND

    def blocked(self, push: Push) -> Phrase | str:
        return ""

    def on_change(self, push: Push, message: Phrase | str, op: PushOperation | None = None) -> None:
        payment_credit_push_changed(push=push, message=message)

    def after_success(self, push: Push) -> None:
        """Nothing to verify yet: the payment is verified once its own push is recorded."""

    def describe_failure(self, push: Push, reason: Phrase | str, messages: list[str]) -> Phrase:
        if messages:
            return phrase(
                gettext_noop("Your books rejected the credit note: %(messages)s"),
                messages=" ".join(messages),
            )
        reason = as_phrase(reason)
        return (
            reason if reason.msgid else phrase(gettext_noop("Your books rejected the credit note."))
        )
