"""Bills, suppliers and invoice files written to the books: the domain's side of their pushes.

Sending is the push machine's (`billpay.pushes`: claim, send, follow, look up, sweep). A write
here is a `LedgerWrite`: the bill, supplier or invoice file it is about, and its `Push`. The
adapters (`bills/pushes.py`) say how each kind is sent and found in the books; this module keeps
what the records themselves go through:

- `ledger_write_create` stores the write and its push in the caller's transaction (the form's
  one-time key is the push's Idempotency-Key) and starts it after commit.
- `ledger_write_changed` (the adapters' `on_change`, inside the machine's transaction): on
  success the app's row takes the ledger id (so the next sync updates that row), its push state
  and an audit event; on failure the row's push state and reason, the bills waiting for a new
  supplier that failed are started so they fail too, and cached push rules are forgotten after
  a validation failure (the platform's rules may have changed).
- `ledger_write_landed` (the adapters' `after_success`, after commit): starts the writes that
  waited on this one (a new supplier's bills, a bill's invoice files), asks Codat to re-read the
  books and requests a sync, so the mirror shows what the books now hold.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext_noop

from billpay.bills.models import (
    LOCAL_ID_PREFIX,
    Bill,
    BillAttachment,
    CreditNote,
    LedgerWrite,
    PushState,
    Supplier,
)
from billpay.bills.services.options import push_rules_forget
from billpay.bills.services.revision import bills_changed
from billpay.codat import get_codat_client
from billpay.codat.errors import CodatError
from billpay.codat.schemas import PushOperation
from billpay.core.services import audit_record
from billpay.core.words import phrase, store, stored_phrase
from billpay.onboarding.models import Company
from billpay.onboarding.selectors import connection_get
from billpay.pushes.models import Push
from billpay.pushes.services import push_create
from billpay.pushes.tasks import push_start

if TYPE_CHECKING:
    from billpay.onboarding.models import User

logger = logging.getLogger(__name__)
K = LedgerWrite.Kind
S = Push.Status
SUPPLIER_KINDS = (K.SUPPLIER_CREATE, K.SUPPLIER_UPDATE)


def ledger_write_create(
    *,
    company: Company,
    kind: str,
    bill: Bill | None = None,
    supplier: Supplier | None = None,
    attachment: BillAttachment | None = None,
    credit_note: CreditNote | None = None,
    key: uuid.UUID | None = None,
    created_by: User | None = None,
    start: bool = True,
) -> LedgerWrite:
    """Store a write to the books and its push (queued); start it after commit unless `start`
    is False (an invoice file waits for its bill: the bill's success starts it).

    `key` (the form's one-time key) becomes the push's Idempotency-Key.
    **Raises:** IntegrityError when `key` was used before (the caller finds that write).
    **Transaction:** joins the caller's, so the write exists exactly when its record does.
    """
    with transaction.atomic():
        push = push_create(company=company, kind=kind, created_by=created_by, idempotency_key=key)
        write = LedgerWrite.objects.create(
            company=company,
            bill=bill,
            supplier=supplier,
            attachment=attachment,
            credit_note=credit_note,
            push=push,
        )
        if start:
            push_start(push)
    return write


def ledger_write_get(*, push: Push) -> LedgerWrite | None:
    """The write a push sends, with the records it is about (None: they were removed)."""
    return (
        LedgerWrite.objects.select_related(
            "company",
            "push",
            "bill",
            "bill__supplier",
            "supplier",
            "attachment",
            "credit_note",
            "credit_note__supplier",
        )
        .filter(push=push)
        .first()
    )


def ledger_write_changed(*, push: Push, op: PushOperation | None = None) -> None:
    """A write's push moved: on success or failure, follow it on the bill or supplier.

    **Transaction:** runs inside the push machine's (no network I/O here).
    """
    if push.status not in (S.SUCCEEDED, S.FAILED):
        return
    write = ledger_write_get(push=push)
    if write is None:
        return
    if push.status == S.SUCCEEDED:
        _succeeded(write, push, op)
        verb = push.kind.split(".", 1)[1]  # bills.write.create, suppliers.write.update…
        data = {"record_id": push.record_id, "push_operation_key": push.push_operation_key}
    else:
        _failed(write, push)
        # The reason with its phrase: the bill's activity shows it in the reader's language.
        verb, data = "failed", {"reason": push.error, "reason_i18n": push.error_i18n}
    if write.bill_id:
        ref = f"bill:{write.bill_id}"
    elif write.credit_note_id:
        ref = f"supplier:{write.credit_note.supplier_id}"
    else:
        ref = f"supplier:{write.supplier_id}"
    audit_record(
        company=write.company,
        actor=None,  # the books did it, not a person
        action=f"{push.data_type}.write.{verb}",
        target=str(write.bill or write.supplier or write.credit_note or ""),
        ref=ref,
        data=data,
    )


def ledger_write_landed(*, push: Push) -> list[str]:
    """A write is in the books (committed): start what waited on it, ask Codat to re-read.

    Returns the data types whose mirror should now sync (the adapter starts that sync).
    **Idempotent:** starting a push that already left only re-checks it.
    """
    write = ledger_write_get(push=push)
    if write is None:
        return []
    _start_waiting(write, push)
    if push.kind == K.BILL_ATTACHMENT:
        return []
    _refresh_books(write.company, [push.data_type])
    return [push.data_type]


def _start_waiting(write: LedgerWrite, push: Push) -> None:
    """Start the writes that wait on this one (a supplier's new bills, a new bill's files): on
    its success they go, on its failure they fail now (their adapters' `blocked` says why)."""
    if push.kind in SUPPLIER_KINDS:
        waiting = LedgerWrite.objects.filter(
            bill__supplier_id=write.supplier_id, push__kind=K.BILL_CREATE
        )
    elif push.kind == K.BILL_CREATE:
        waiting = LedgerWrite.objects.filter(bill_id=write.bill_id, push__kind=K.BILL_ATTACHMENT)
    else:
        return
    for other in waiting.filter(push__status=S.QUEUED).select_related("push"):
        push_start(other.push)  # after commit when inside a transaction


# --- success --------------------------------------------------------------------------------------


def _succeeded(write: LedgerWrite, push: Push, op: PushOperation | None) -> None:
    if write.credit_note_id is not None:
        _credit_note_succeeded(write, push)
        return
    if write.bill_id is None:
        _supplier_succeeded(write, push)
        return
    bill = Bill.objects.select_for_update().get(pk=write.bill_id)
    if push.kind == K.BILL_ATTACHMENT:
        change = op.changes[0] if op is not None and op.changes else None
        attachment_id = (change.attachment_id if change else None) or ""
        if attachment_id and write.attachment_id:
            BillAttachment.objects.filter(pk=write.attachment_id).update(
                codat_attachment_id=attachment_id
            )
        return
    record_id = push.record_id
    if push.kind == K.BILL_CREATE and record_id and bill.codat_bill_id != record_id:
        bill = _link_bill(bill, record_id)
    fields: dict[str, object] = {"push_state": PushState.IN_BOOKS, "push_error": ""}
    if push.kind == K.BILL_DELETE:
        # Xero voids a posted bill and deletes a draft (the spec's delete-bill specifics).
        voided = (
            bool(record_id)
            and _platform_key(write.company) == "gbol"
            and bill.codat_status != "Draft"
        )
        fields.update({"codat_status": "Void", "amount_due": 0} if voided else {"is_deleted": True})
    Bill.objects.filter(pk=bill.pk).update(**fields)
    # A delete removes or voids the bill; a new bill may replace (or merge into) a synced twin.
    bills_changed(company_id=bill.company_id)
    if push.kind == K.BILL_CREATE:
        _retry_attachments(bill, push)


def _retry_attachments(bill: Bill, push: Push) -> None:
    """The bill is in the books: its invoice files whose last write failed get a new one (the
    bill's `ledger_write_landed` starts every queued one)."""
    for upload in BillAttachment.objects.filter(bill=bill, codat_attachment_id=""):
        last = (
            LedgerWrite.objects.filter(attachment=upload)
            .select_related("push")
            .order_by("-created_at", "-id")
            .first()
        )
        if last is None or last.push.status == S.FAILED:
            ledger_write_create(
                company=bill.company,
                kind=K.BILL_ATTACHMENT,
                bill=bill,
                attachment=upload,
                created_by=push.created_by,
                start=False,
            )


def _link_bill(bill: Bill, record_id: str) -> Bill:
    """Give the app's bill its ledger id; a row a sync already made for that id gives way."""
    twin = Bill.objects.filter(company=bill.company_id, codat_bill_id=record_id).exclude(pk=bill.pk)
    for other in twin:
        try:
            with transaction.atomic():
                other.delete()
        except ProtectedError:  # something (a payment) points at the synced row: keep that one
            LedgerWrite.objects.filter(bill=bill).update(bill=other)
            BillAttachment.objects.filter(bill=bill).update(bill=other)
            Bill.objects.filter(pk=other.pk).update(
                origin=bill.origin, created_by=bill.created_by_id, review_status=bill.review_status
            )
            Bill.objects.filter(pk=bill.pk).update(
                is_deleted=True, codat_bill_id=f"{bill.codat_bill_id}:merged"
            )
            return other
    # modified_date None: the next sync rewrites this row from the books whatever its date.
    Bill.objects.filter(pk=bill.pk).update(codat_bill_id=record_id, modified_date=None)
    bill.codat_bill_id = record_id
    return bill


def _supplier_succeeded(write: LedgerWrite, push: Push) -> None:
    supplier = Supplier.objects.select_for_update().get(pk=write.supplier_id)
    record_id = push.record_id
    if push.kind == K.SUPPLIER_CREATE and record_id and supplier.codat_supplier_id != record_id:
        twin = Supplier.objects.filter(company=supplier.company_id, codat_supplier_id=record_id)
        twin.exclude(pk=supplier.pk).delete()
        Supplier.objects.filter(pk=supplier.pk).update(
            codat_supplier_id=record_id, modified_date=None
        )
        Bill.objects.filter(supplier=supplier).update(codat_supplier_id=record_id)
        CreditNote.objects.filter(supplier=supplier).update(codat_supplier_id=record_id)
    Supplier.objects.filter(pk=supplier.pk).update(push_state=PushState.IN_BOOKS, push_error="")


def _credit_note_succeeded(write: LedgerWrite, push: Push) -> None:
    """The note is in the books: it takes the books' id (a row a sync made for it gives way)."""
    note = CreditNote.objects.select_for_update().get(pk=write.credit_note_id)
    record_id = push.record_id
    fields: dict[str, object] = {"push_state": PushState.IN_BOOKS, "push_error": ""}
    if record_id and note.codat_id != record_id:
        twin = CreditNote.objects.filter(company=note.company_id, codat_id=record_id)
        twin.exclude(pk=note.pk).delete()
        # modified_date None: the next sync rewrites this row from the books whatever its date.
        fields.update(codat_id=record_id, modified_date=None)
    CreditNote.objects.filter(pk=note.pk).update(**fields)


# --- failure --------------------------------------------------------------------------------------


def _failed(write: LedgerWrite, push: Push) -> None:
    reason = stored_phrase(push.error, push.error_i18n)
    if push.kind == K.BILL_ATTACHMENT:
        in_books = Bill.objects.filter(pk=write.bill_id).exclude(
            codat_bill_id__startswith=LOCAL_ID_PREFIX
        )
        not_attached = phrase(
            gettext_noop("The invoice file was not attached: %(reason)s"), reason=reason
        )
        in_books.update(**store("push_error", not_attached))
    elif write.bill_id is not None:
        Bill.objects.filter(pk=write.bill_id).update(
            push_state=PushState.FAILED, **store("push_error", reason)
        )
    elif write.credit_note_id is not None:
        CreditNote.objects.filter(pk=write.credit_note_id).update(
            push_state=PushState.FAILED, **store("push_error", reason)
        )
    else:
        Supplier.objects.filter(pk=write.supplier_id).update(
            push_state=PushState.FAILED, **store("push_error", reason)
        )
    # What waited for this write can't go either: let it fail now.
    _start_waiting(write, push)
    if push.validation:
        # The platform's rules may have changed under us: the next form fetches them afresh.
        push_rules_forget(company=write.company)


# --- the mirror -----------------------------------------------------------------------------------


def _refresh_books(company: Company, data_types: list[str]) -> None:
    """Ask Codat to re-read the books: the mirror catches up with the write.

    The `read.completed` webhook syncs once Codat's read is done; the sync the adapter starts
    at once covers an emulator or a Codat that has already finished.
    """
    connection = connection_get(company=company)
    if connection is None:
        return
    try:
        with get_codat_client() as client:
            for data_type in data_types:
                client.refresh_data_type(
                    company_id=company.codat_company_id,
                    data_type=data_type,
                    connection_id=connection.codat_connection_id,
                )
    except CodatError as exc:  # 409: a read is already running, which does the same
        logger.info("refresh after a write for company %s: %s", company.pk, exc)


def _platform_key(company: Company) -> str:
    connection = connection_get(company=company)
    return connection.platform_key if connection else ""


__all__ = [
    "ledger_write_changed",
    "ledger_write_create",
    "ledger_write_get",
    "ledger_write_landed",
]
