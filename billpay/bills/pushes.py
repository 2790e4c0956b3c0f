"""The push adapters of bills, suppliers and invoice files (registered in `BillsConfig.ready`).

One adapter per kind of write (`LedgerWrite.Kind`): how it is sent, what it waits for, and how a
write whose outcome is unknown is found in the books. What the records go through on success or
failure is `services/writes.py`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.utils.translation import gettext_noop

from billpay.bills.models import (
    Bill,
    BillAttachment,
    CreditNote,
    LedgerWrite,
    PushState,
    Supplier,
    SyncRun,
)
from billpay.bills.services.create import bill_body, credit_note_body, supplier_body
from billpay.bills.services.writes import (
    ledger_write_changed,
    ledger_write_get,
    ledger_write_landed,
)
from billpay.bills.tasks import sync_start
from billpay.codat import CodatClient
from billpay.codat.errors import (
    CodatError,
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatRequestError,
    CodatTransientError,
)
from billpay.codat.schemas import PushOperation
from billpay.codat.serialize import dumps, loads
from billpay.core.words import Phrase, as_phrase, phrase, stored_phrase
from billpay.onboarding.models import AccountingConnection
from billpay.onboarding.selectors import connection_get
from billpay.pushes.models import Push
from billpay.pushes.services import WAIT, PushAdapter

logger = logging.getLogger(__name__)
K = LedgerWrite.Kind
# Fields of a bill or supplier body that, all equal (and the same supplierRef), make a record
# echoed in push history this write's.
ECHO_KEYS = ("reference", "totalAmount", "currency", "issueDate", "supplierName")
GONE = gettext_noop("What this was sending was removed before it reached your books.")


class LedgerPush(PushAdapter):
    """What every write of a bill, a supplier or an invoice file shares."""

    def same_record(self, push: Push, echoed: Mapping) -> bool:
        if not push.body:
            return False
        body = loads(push.body)
        if not any(k in body for k in ECHO_KEYS):
            return False
        return all(echoed.get(k) == body.get(k) for k in ECHO_KEYS if k in body) and (
            (echoed.get("supplierRef") or {}).get("id") == (body.get("supplierRef") or {}).get("id")
        )

    def find_in_books(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> str:
        write = ledger_write_get(push=push)
        if write is None:
            return ""
        try:
            return self.find(client, push, write, connection)
        except CodatTransientError:
            raise
        except CodatError as exc:  # e.g. 409 while Codat's first read runs: nothing found yet
            logger.info("push %s: lookup in the books failed: %s", push.pk, exc)
            return ""

    def find(
        self, client: CodatClient, push: Push, write: LedgerWrite, connection: AccountingConnection
    ) -> str:
        """The ledger id of this write's record in the books, or empty (an update: unknowable)."""
        return ""

    def on_change(self, push: Push, message: Phrase | str, op: PushOperation | None = None) -> None:
        ledger_write_changed(push=push, op=op)

    def after_success(self, push: Push) -> None:
        data_types = ledger_write_landed(push=push)
        if data_types:
            sync_start(company=push.company, trigger=SyncRun.Trigger.PUSH, data_types=data_types)

    def describe_failure(self, push: Push, reason: Phrase | str, messages: list[str]) -> Phrase:
        if messages:  # Codat's validation: the first says what to fix, as the books wrote it
            return phrase(
                gettext_noop("%(platform)s refused it: %(message)s"),
                platform=_platform(push),
                message=messages[0],
            )
        reason = as_phrase(reason)
        if reason.msgid:
            return reason
        return phrase(gettext_noop("%(platform)s refused it."), platform=_platform(push))


def _ids(push: Push, connection: AccountingConnection) -> dict[str, str]:
    return {
        "company_id": push.company.codat_company_id,
        "connection_id": connection.codat_connection_id,
    }


def _write(push: Push) -> LedgerWrite:
    write = ledger_write_get(push=push)
    if write is None:
        raise LookupError(f"push {push.pk}: its ledger write is gone")
    return write


def _platform(push: Push) -> Phrase | str:
    connection = connection_get(company=push.company)
    if connection and connection.platform_name:
        return connection.platform_name
    return phrase(gettext_noop("Your accounting software"))


def _mirrored(
    model: type[Bill | Supplier | CreditNote], field: str, push: Push, ids: list[str]
) -> set[str]:
    """Which of these ledger ids the mirror already holds (records that are not this write's)."""
    if not ids:
        return set()
    rows = model.objects.filter(company_id=push.company_id, **{f"{field}__in": ids})
    return set(rows.values_list(field, flat=True))


def _queryable(value: object) -> bool:
    return isinstance(value, str) and not any(c in value for c in "&|{}\"'")


# --- bills ----------------------------------------------------------------------------------------


class BillPush(LedgerPush):
    data_type = "bills"

    def body(self, push: Push) -> str:
        return dumps(bill_body(bill=_write(push).bill))

    def blocked(self, push: Push) -> Phrase | str:
        write = ledger_write_get(push=push)
        return GONE if write is None or write.bill is None else ""


class BillCreatePush(BillPush):
    kind = K.BILL_CREATE

    def blocked(self, push: Push) -> Phrase | str:
        write = ledger_write_get(push=push)
        if write is None or write.bill is None:
            return GONE
        supplier = write.bill.supplier
        if supplier is not None and not supplier.is_in_books:
            if supplier.push_state == PushState.FAILED:
                return phrase(
                    gettext_noop("The supplier could not be created in your books: %(reason)s"),
                    reason=stored_phrase(supplier.push_error, supplier.push_error_i18n),
                )
            return WAIT  # the new supplier's success starts this push
        return ""

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.create_bill(
            **_ids(push, connection),
            bill=loads(push.body),
            idempotency_key=str(push.idempotency_key),
        )

    def find(
        self, client: CodatClient, push: Push, write: LedgerWrite, connection: AccountingConnection
    ) -> str:
        body = loads(push.body) if push.body else {}
        reference, supplier_id = body.get("reference"), (body.get("supplierRef") or {}).get("id")
        if not reference or not _queryable(reference) or not _queryable(supplier_id):
            return ""
        candidates = [
            bill
            for bill in client.list_bills(
                company_id=push.company.codat_company_id,
                query=f'supplierRef.id="{supplier_id}"&&reference="{reference}"',
            )
            if not bill.is_deleted and bill.total_amount == body.get("totalAmount")
        ]
        taken = _mirrored(Bill, "codat_bill_id", push, [bill.id for bill in candidates])
        return next((bill.id for bill in candidates if bill.id not in taken), "")


class BillUpdatePush(BillPush):
    kind = K.BILL_UPDATE
    resend_is_idempotent = True  # a PUT of the same body

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.update_bill(
            **_ids(push, connection),
            bill_id=_write(push).bill.codat_bill_id,
            bill=loads(push.body),
            idempotency_key=str(push.idempotency_key),
        )


class BillDeletePush(BillPush):
    kind = K.BILL_DELETE

    def body(self, push: Push) -> str:
        return ""  # a DELETE has none

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.delete_bill(
            **_ids(push, connection),
            bill_id=_write(push).bill.codat_bill_id,
            idempotency_key=str(push.idempotency_key),
        )

    def find(
        self, client: CodatClient, push: Push, write: LedgerWrite, connection: AccountingConnection
    ) -> str:
        bill_id = write.bill.codat_bill_id
        try:
            bill = client.get_bill(company_id=push.company.codat_company_id, bill_id=bill_id)
        except CodatNotFoundError:
            return bill_id  # the books no longer have it: deleted
        return bill.id if bill.is_deleted or bill.status == "Void" else ""


class BillAttachmentPush(BillPush):
    kind = K.BILL_ATTACHMENT

    def body(self, push: Push) -> str:
        return ""  # the file itself, read at each send

    def blocked(self, push: Push) -> Phrase | str:
        write = ledger_write_get(push=push)
        if write is None or write.bill is None or write.attachment is None:
            return GONE
        if not write.bill.is_in_books:
            if write.bill.push_state == PushState.FAILED:
                return gettext_noop("The bill is not in your books, so the file was not attached.")
            return WAIT  # the bill's success starts this push
        return ""

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation | str:
        write = _write(push)
        upload = write.attachment
        with upload.file.open("rb") as handle:
            content = handle.read()
        try:
            op = client.upload_bill_attachment(
                **_ids(push, connection),
                bill_id=write.bill.codat_bill_id,
                filename=upload.name,
                content=content,
                content_type=upload.content_type,
                idempotency_key=str(push.idempotency_key),
            )
        except CodatRequestError as exc:
            if exc.status == 422 and push.attempts > 1:
                # A multipart re-send never has the same bytes (a new boundary), so Codat refuses
                # the reused key: the first upload did arrive. Look it up in the bill's files.
                raise CodatOutcomeUnknownError(str(exc), status=422) from exc
            raise
        # An empty 200: accepted and applied; the record is the bill it is attached to.
        return op if op is not None else write.bill.codat_bill_id

    def find(
        self, client: CodatClient, push: Push, write: LedgerWrite, connection: AccountingConnection
    ) -> str:
        for attachment in client.list_bill_attachments(
            **_ids(push, connection), bill_id=write.bill.codat_bill_id
        ):
            if attachment.name == write.attachment.name:
                BillAttachment.objects.filter(pk=write.attachment_id).update(
                    codat_attachment_id=attachment.id
                )
                return write.bill.codat_bill_id
        return ""


# --- suppliers ------------------------------------------------------------------------------------


class SupplierPush(LedgerPush):
    data_type = "suppliers"

    def body(self, push: Push) -> str:
        return dumps(supplier_body(supplier=_write(push).supplier))

    def blocked(self, push: Push) -> Phrase | str:
        write = ledger_write_get(push=push)
        return GONE if write is None or write.supplier is None else ""


class SupplierCreatePush(SupplierPush):
    kind = K.SUPPLIER_CREATE

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.create_supplier(
            **_ids(push, connection),
            supplier=loads(push.body),
            idempotency_key=str(push.idempotency_key),
        )

    def find(
        self, client: CodatClient, push: Push, write: LedgerWrite, connection: AccountingConnection
    ) -> str:
        name = (loads(push.body) if push.body else {}).get("supplierName")
        if not name or not _queryable(name):
            return ""
        candidates = [
            supplier
            for supplier in client.list_suppliers(
                company_id=push.company.codat_company_id, query=f'supplierName="{name}"'
            )
            if not supplier.is_deleted
        ]
        taken = _mirrored(Supplier, "codat_supplier_id", push, [s.id for s in candidates])
        return next((s.id for s in candidates if s.id not in taken), "")


class SupplierUpdatePush(SupplierPush):
    kind = K.SUPPLIER_UPDATE
    resend_is_idempotent = True  # a PUT of the same body

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.update_supplier(
            **_ids(push, connection),
            supplier_id=_write(push).supplier.codat_supplier_id,
            supplier=loads(push.body),
            idempotency_key=str(push.idempotency_key),
        )


# --- supplier credit notes -----------------------------------------------------------------------


class CreditNoteCreatePush(LedgerPush):
    data_type = "billCreditNotes"
    kind = K.CREDIT_NOTE_CREATE

    def body(self, push: Push) -> str:
        return dumps(credit_note_body(note=_write(push).credit_note))

    def blocked(self, push: Push) -> Phrase | str:
        write = ledger_write_get(push=push)
        if write is None or write.credit_note is None:
            return GONE
        supplier = write.credit_note.supplier
        if supplier is not None and not supplier.is_in_books:
            if supplier.push_state == PushState.FAILED:
                return phrase(
                    gettext_noop("The supplier could not be created in your books: %(reason)s"),
                    reason=stored_phrase(supplier.push_error, supplier.push_error_i18n),
                )
            return WAIT
        return ""

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.create_bill_credit_note(
            **_ids(push, connection),
            bill_credit_note=loads(push.body),
            idempotency_key=str(push.idempotency_key),
        )

    def find(
        self, client: CodatClient, push: Push, write: LedgerWrite, connection: AccountingConnection
    ) -> str:
        """The supplier's note in the books with this body's number, total, currency and issue
        date that no other row of the mirror holds (a supplier has few notes: read them all)."""
        body = loads(push.body) if push.body else {}
        supplier_id = (body.get("supplierRef") or {}).get("id")
        if not supplier_id or not _queryable(supplier_id):
            return ""
        number = body.get("billCreditNoteNumber")
        candidates = [
            note
            for note in client.list_bill_credit_notes(
                company_id=push.company.codat_company_id, query=f'supplierRef.id="{supplier_id}"'
            )
            if not note.is_deleted
            and note.total_amount == body.get("totalAmount")
            and note.currency == body.get("currency")
            and (note.bill_credit_note_number or None) == (number or None)
            and note.issue_date is not None
            and f"{note.issue_date:%Y-%m-%d}" == str(body.get("issueDate", ""))[:10]
        ]
        taken = _mirrored(CreditNote, "codat_id", push, [note.id for note in candidates])
        return next((note.id for note in candidates if note.id not in taken), "")


ADAPTERS = (
    CreditNoteCreatePush(),
    BillCreatePush(),
    BillUpdatePush(),
    BillDeletePush(),
    BillAttachmentPush(),
    SupplierCreatePush(),
    SupplierUpdatePush(),
)
