"""Writes to the books, exactly once: the `LedgerWrite` state machine.

    queued ──claim──> submitting ──Codat accepted──> pending ──Success──> succeeded
       ^                  │  │                          │  └──Failed/TimedOut──> failed
       └──transient error─┘  └──no answer──> unknown ───┘ (looked up in the books first)

- The intent (a Bill or Supplier row and its `LedgerWrite` with a fresh `idempotency_key`) is
  stored in one transaction by `services/create.py`, which enqueues `ledger_write_task` on commit.
- `ledger_write_advance` moves a write one step. Every transition is a conditional UPDATE on the
  expected status, so two workers (or a task redelivered after a crash) cannot both send.
- The push goes out with the write's key as `Idempotency-Key` and the exact body stored at the
  first claim, outside any transaction. Codat's `pushOperationKey` is stored, and the outcome is
  followed by webhook (`{dataType}.write.*` → `ledger_write_webhook`) or by polling (the task
  retries while the operation is Pending, with a bounded backoff).
- When the outcome is unknown (no answer after sending, or a worker died mid-push) nothing is
  sent blindly: push history and the books are searched first; only if the write is in neither,
  and Codat still replays that Idempotency-Key (90 minutes), is it sent again with the same key —
  so Codat answers with the first push if it did arrive. Later than that the write fails with a
  message asking the user to check the books, and the duplicate guard covers a resend.
- On Success the local row takes the ledger id (so the next sync updates that row), writes that
  waited on it (a new supplier's bills, a bill's invoice file) are enqueued, and Codat's cache
  is refreshed and a sync requested, so the mirror shows what the books now hold.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from billpay.bills.models import (
    LOCAL_ID_PREFIX,
    Bill,
    BillAttachment,
    LedgerWrite,
    PushState,
    Supplier,
    SyncRun,
)
from billpay.bills.services.options import push_rules_forget
from billpay.codat import get_codat_client, serialize
from billpay.codat.errors import (
    CodatError,
    CodatOutcomeUnknownError,
    CodatRequestError,
    CodatTransientError,
)
from billpay.core.services import audit_record
from billpay.onboarding.models import AccountingConnection, Company

logger = logging.getLogger(__name__)

# Codat replays an Idempotency-Key's first answer for 90 minutes; stay well inside that.
REPLAY_WINDOW = timedelta(minutes=80)
# A write claimed this long ago without an outcome lost its worker mid-push.
STUCK_AFTER = timedelta(minutes=5)
# Push history is searched from a little before our first send (clocks differ).
HISTORY_SLACK = timedelta(minutes=2)
# The sweep (beat) picks up writes untouched this long: longer than the task's longest backoff.
SWEEP_AFTER = timedelta(minutes=15)
SWEEP_BATCH = 500
S = LedgerWrite.Status
K = LedgerWrite.Kind
FINAL = (S.SUCCEEDED, S.FAILED)


class WriteOutcome(StrEnum):
    DONE = "done"  # final, or nothing left to do
    WAITING = "waiting"  # check again later: Pending at Codat, a dependency, or being looked up
    SKIPPED = "skipped"  # another worker holds it


def ledger_write_advance(*, write_id: int) -> WriteOutcome:
    """Move one write a step: send it, follow it, or look up an unknown outcome.

    **Idempotent:** every step claims the row with a conditional UPDATE; a final write is a no-op.
    **Raises:** CodatTransientError (nothing was sent, or Codat is unreachable: retry later).
    """
    write = _load(write_id)
    if write is None or write.status in FINAL:
        return WriteOutcome.DONE
    if write.status == S.SUBMITTING:
        if write.updated_at > timezone.now() - STUCK_AFTER:
            return WriteOutcome.SKIPPED
        if not _move(write, S.SUBMITTING, S.UNKNOWN):
            return WriteOutcome.SKIPPED
    if write.status == S.QUEUED:
        return _submit(write, from_status=S.QUEUED)
    if write.status == S.UNKNOWN:
        return _reconcile(write)
    return _follow(write)


def ledger_write_webhook(*, event: Any) -> None:
    """`bills.write.*` / `suppliers.write.*`: follow the write whose push operation finished.

    **Idempotent:** only enqueues `ledger_write_task`, which does nothing to a final write.
    A webhook for a push we have not recorded yet is ignored: the polling fallback covers it.
    """
    from billpay.bills.tasks import ledger_write_task

    key = str((event.payload.get("payload") or {}).get("id") or "")
    if not key or event.company is None:
        return
    write = LedgerWrite.objects.filter(company=event.company, push_operation_key=key).first()
    if write is not None and write.is_active:
        with transaction.atomic():
            ledger_write_task.delay_on_commit(write_id=write.pk)


def ledger_write_fail(*, write_id: int, reason: str) -> None:
    """Mark an unfinished write failed (its task gave up). **Idempotent.**"""
    write = _load(write_id)
    if write is not None and write.status not in FINAL:
        _fail(write, reason)


def ledger_write_sweep(*, older_than: timedelta = SWEEP_AFTER) -> int:
    """Enqueue again every unfinished write with no news for a while (a lost task, a dead worker).

    **Idempotent:** each task claims its write before acting, so an extra one is harmless.
    """
    from billpay.bills.tasks import ledger_write_task

    cutoff = timezone.now() - older_than
    ids = list(
        LedgerWrite.objects.filter(status__in=LedgerWrite.ACTIVE, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    with transaction.atomic():
        for pk in ids:
            ledger_write_task.delay_on_commit(write_id=pk)
    return len(ids)


def ledger_write_enqueue(*, write: LedgerWrite) -> None:
    """Enqueue a write's task after commit. **Transaction:** joins the caller's."""
    from billpay.bills.tasks import ledger_write_task

    ledger_write_task.delay_on_commit(write_id=write.pk)


# --- sending --------------------------------------------------------------------------------------


def _submit(write: LedgerWrite, *, from_status: str) -> WriteOutcome:
    blocked = _waiting_for(write)
    if blocked == "wait":
        return WriteOutcome.WAITING
    if blocked:
        _fail(write, blocked)
        return WriteOutcome.DONE
    try:
        ids = _ids(write.company)
    except _NotConnected as exc:
        _fail(write, str(exc))
        return WriteOutcome.DONE
    body = write.body or (serialize.dumps(_build_body(write)) if write.kind != K.DELETE else "")
    now = timezone.now()
    claimed = LedgerWrite.objects.filter(pk=write.pk, status=from_status).update(
        status=S.SUBMITTING, body=body, attempts=models.F("attempts") + 1, updated_at=now,
        first_sent_at=models.functions.Coalesce("first_sent_at", models.Value(now)),
    )  # fmt: skip
    if not claimed:
        return WriteOutcome.SKIPPED
    write.status, write.body = S.SUBMITTING, body
    # No transaction is open here: the push is network I/O (STYLE §4).
    try:
        with get_codat_client() as client:
            op = _send(client, write, ids)
    except CodatTransientError:
        # Nothing reached Codat (connection refused, 429): back where it was, and retry.
        _move(write, S.SUBMITTING, from_status)
        raise
    except CodatOutcomeUnknownError as exc:
        logger.warning("write %s: outcome unknown: %s", write.pk, exc)
        _move(write, S.SUBMITTING, S.UNKNOWN)
        return WriteOutcome.WAITING
    except CodatRequestError as exc:
        if exc.status == 422 and write.kind == K.ATTACHMENT and write.attempts > 0:
            # A multipart re-send never has the same bytes (a new boundary), so Codat refuses the
            # reused key: the first upload did arrive. Follow it through the bill's attachments.
            _move(write, S.SUBMITTING, S.UNKNOWN)
            return WriteOutcome.WAITING
        _fail(write, exc.user_message, _messages(exc.validation))
        return WriteOutcome.DONE
    except CodatError as exc:
        _fail(write, exc.user_message, _messages(exc.validation))
        return WriteOutcome.DONE
    if op is None:  # an upload answered with an empty 200: accepted and applied
        _succeed(write, record_id=write.bill.codat_bill_id if write.bill else "")
        return WriteOutcome.DONE
    _record_pending(write, op.push_operation_key)
    return _apply(write, op)


def _send(client: Any, write: LedgerWrite, ids: dict[str, str]) -> Any:
    key = str(write.idempotency_key)
    body = serialize.loads(write.body) if write.body else None
    match (write.data_type, write.kind):
        case ("bills", K.CREATE):
            return client.create_bill(**ids, bill=body, idempotency_key=key)
        case ("bills", K.UPDATE):
            return client.update_bill(
                **ids, bill_id=write.bill.codat_bill_id, bill=body, idempotency_key=key
            )
        case ("bills", K.DELETE):
            return client.delete_bill(**ids, bill_id=write.bill.codat_bill_id, idempotency_key=key)
        case ("bills", K.ATTACHMENT):
            upload = write.attachment
            with upload.file.open("rb") as handle:
                content = handle.read()
            return client.upload_bill_attachment(
                **ids, bill_id=write.bill.codat_bill_id, filename=upload.name, content=content,
                content_type=upload.content_type, idempotency_key=key,
            )  # fmt: skip
        case ("suppliers", K.CREATE):
            return client.create_supplier(**ids, supplier=body, idempotency_key=key)
        case ("suppliers", K.UPDATE):
            return client.update_supplier(
                **ids, supplier_id=write.supplier.codat_supplier_id, supplier=body,
                idempotency_key=key,
            )  # fmt: skip
    raise ValueError(f"unknown write {write.data_type} {write.kind}")


def _waiting_for(write: LedgerWrite) -> str:
    """Empty when the write can go, "wait" while what it needs is not in the books, else why not."""
    if write.data_type == "bills" and write.kind == K.CREATE:
        supplier = write.bill.supplier
        if supplier is not None and not supplier.is_in_books:
            if supplier.push_state == PushState.FAILED:
                return f"The supplier could not be created in your books: {supplier.push_error}"
            return "wait"
    bill = write.bill
    if write.kind == K.ATTACHMENT and bill is not None and not bill.is_in_books:
        if bill.push_state == PushState.FAILED:
            return "The bill is not in your books, so the file was not attached."
        return "wait"
    return ""


# --- following ------------------------------------------------------------------------------------


def _follow(write: LedgerWrite) -> WriteOutcome:
    if not write.push_operation_key:
        return _reconcile(write)
    with get_codat_client() as client:
        op = client.get_push_operation(
            company_id=write.company.codat_company_id, push_operation_key=write.push_operation_key
        )
    return _apply(write, op)


def _apply(write: LedgerWrite, op: Any) -> WriteOutcome:
    if op.status == "Pending":
        LedgerWrite.objects.filter(pk=write.pk).update(updated_at=timezone.now())
        return WriteOutcome.WAITING
    if op.status == "Success":
        change = op.changes[0] if op.changes else None
        _succeed(
            write, record_id=op.record_id or "",
            attachment_id=(change.attachment_id if change else None) or "",
        )  # fmt: skip
    elif op.status == "TimedOut":
        _fail(
            write,
            f"{_platform(write)} did not answer in time. It may still appear in your books: "
            "check there before sending it again.",
        )
    else:
        items = op.validation.errors if op.validation else ()
        messages = _messages(items)
        reason = messages[0] if messages else (op.error_message or "The books refused it.")
        _fail(write, f"{_platform(write)} refused it: {reason}", messages)
        # The platform's rules may have changed under us: the next form fetches them afresh.
        push_rules_forget(company=write.company)
    return WriteOutcome.DONE


# --- unknown outcomes -----------------------------------------------------------------------------


def _reconcile(write: LedgerWrite) -> WriteOutcome:
    """Find the write in push history or the books; send it again only if it is in neither."""
    try:
        ids = _ids(write.company)
    except _NotConnected as exc:
        _fail(write, str(exc))
        return WriteOutcome.DONE
    if write.push_operation_key:
        return _follow(write)
    with get_codat_client() as client:
        op = _find_in_history(client, write)
        if op is not None:
            _record_pending(write, op.push_operation_key)
            return _apply(write, op)
        record_id = _find_in_books(client, write, ids)
    if record_id:
        _succeed(write, record_id=record_id)
        return WriteOutcome.DONE
    resend_is_safe = write.kind == K.UPDATE or (  # a PUT of the same body is idempotent
        write.first_sent_at is not None and timezone.now() - write.first_sent_at < REPLAY_WINDOW
    )
    if resend_is_safe:
        return _submit(write, from_status=S.UNKNOWN)
    _fail(
        write,
        f"We couldn't confirm whether {_platform(write)} recorded this. Check your books "
        "before sending it again.",
    )
    return WriteOutcome.DONE


def _find_in_history(client: Any, write: LedgerWrite) -> Any:
    """A push of ours in Codat's push history whose echoed record is this write's body."""
    if not write.body or write.first_sent_at is None:
        return None
    since = (write.first_sent_at - HISTORY_SLACK).strftime("%Y-%m-%dT%H:%M:%SZ")
    mine = set(
        LedgerWrite.objects.filter(company=write.company)
        .exclude(push_operation_key="")
        .values_list("push_operation_key", flat=True)
    )
    body = serialize.loads(write.body)
    ops = client.list_push_operations(
        company_id=write.company.codat_company_id,
        query=f"dataType={write.data_type}&&requestedOnUtc>{since}",
    )
    for op in ops:
        if op.push_operation_key in mine or not op.data:
            continue
        if _same_record(dict(op.data), body):
            return op
    return None


def _same_record(echo: dict, body: dict) -> bool:
    keys = ("reference", "totalAmount", "currency", "issueDate", "supplierName")
    if not any(k in body for k in keys):
        return False
    return all(echo.get(k) == body.get(k) for k in keys if k in body) and (
        (echo.get("supplierRef") or {}).get("id") == (body.get("supplierRef") or {}).get("id")
    )


def _find_in_books(client: Any, write: LedgerWrite, ids: dict[str, str]) -> str:
    """The ledger id of this write's record if the books (Codat's copy) already have it."""
    body = serialize.loads(write.body) if write.body else {}
    taken = set()
    try:
        if write.data_type == "bills" and write.kind == K.CREATE:
            reference, supplier_id = (
                body.get("reference"),
                (body.get("supplierRef") or {}).get("id"),
            )
            if not reference or not _queryable(reference) or not _queryable(supplier_id):
                return ""
            taken = set(
                Bill.objects.filter(company=write.company).values_list("codat_bill_id", flat=True)
            )
            for bill in client.list_bills(
                company_id=ids["company_id"],
                query=f'supplierRef.id="{supplier_id}"&&reference="{reference}"',
            ):
                if (
                    bill.id not in taken
                    and not bill.is_deleted
                    and bill.total_amount == body.get("totalAmount")
                ):
                    return bill.id
        elif write.data_type == "suppliers" and write.kind == K.CREATE:
            name = body.get("supplierName")
            if not name or not _queryable(name):
                return ""
            taken = set(
                Supplier.objects.filter(company=write.company).values_list(
                    "codat_supplier_id", flat=True
                )
            )
            for supplier in client.list_suppliers(
                company_id=ids["company_id"], query=f'supplierName="{name}"'
            ):
                if supplier.id not in taken and not supplier.is_deleted:
                    return supplier.id
        elif write.kind == K.ATTACHMENT:
            for attachment in client.list_bill_attachments(**ids, bill_id=write.bill.codat_bill_id):
                if attachment.name == write.attachment.name:
                    write.attachment.codat_attachment_id = attachment.id
                    write.attachment.save(update_fields=["codat_attachment_id", "updated_at"])
                    return write.bill.codat_bill_id
        elif write.kind == K.DELETE:
            bill = client.get_bill(company_id=ids["company_id"], bill_id=write.bill.codat_bill_id)
            if bill.is_deleted or bill.status == "Void":
                return bill.id
    except CodatTransientError:
        raise
    except CodatError as exc:  # e.g. 409 while Codat's first read runs: nothing found yet
        logger.info("write %s: lookup in the books failed: %s", write.pk, exc)
    return ""


def _queryable(value: Any) -> bool:
    return isinstance(value, str) and not any(c in value for c in "&|{}\"'")


# --- outcomes -------------------------------------------------------------------------------------


def _record_pending(write: LedgerWrite, key: str) -> None:
    LedgerWrite.objects.filter(pk=write.pk, status__in=LedgerWrite.ACTIVE).update(
        status=S.PENDING, push_operation_key=key, updated_at=timezone.now()
    )
    write.status, write.push_operation_key = S.PENDING, key


def _succeed(write: LedgerWrite, *, record_id: str, attachment_id: str = "") -> None:
    refresh: list[str] = []
    with transaction.atomic():
        done = LedgerWrite.objects.filter(pk=write.pk, status__in=LedgerWrite.ACTIVE).update(
            status=S.SUCCEEDED, record_id=record_id, error="", validation=[],
            completed_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        if not done:
            return
        if write.data_type == "bills":
            refresh = _bill_succeeded(write, record_id, attachment_id)
        else:
            refresh = _supplier_succeeded(write, record_id)
        audit_record(
            company=write.company, actor=None,  # the books did it, not a person
            action=f"{write.data_type}.write.{write.kind}", target=str(write.bill or write.supplier or ""),
            ref=f"bill:{write.bill_id}" if write.bill_id else f"supplier:{write.supplier_id}",
            data={"record_id": record_id, "push_operation_key": write.push_operation_key},
        )  # fmt: skip
    if refresh:
        _refresh_books(write.company, refresh)


def _bill_succeeded(write: LedgerWrite, record_id: str, attachment_id: str) -> list[str]:
    bill = Bill.objects.select_for_update().get(pk=write.bill_id)
    if write.kind == K.ATTACHMENT:
        if attachment_id and write.attachment_id:
            BillAttachment.objects.filter(pk=write.attachment_id).update(
                codat_attachment_id=attachment_id
            )
        return []
    if write.kind == K.CREATE and record_id and bill.codat_bill_id != record_id:
        bill = _link_bill(bill, record_id)
    fields = {"push_state": PushState.IN_BOOKS, "push_error": ""}
    if write.kind == K.DELETE:
        voided = bool(record_id) and _platform_key(write.company) == "gbol"
        fields.update({"codat_status": "Void", "amount_due": 0} if voided else {"is_deleted": True})
    Bill.objects.filter(pk=bill.pk).update(**fields)
    if write.kind == K.CREATE:
        _queue_attachments(bill, write)
    return ["bills"]


def _queue_attachments(bill: Bill, write: LedgerWrite) -> None:
    """The bill is in the books: send its invoice files (again, if an earlier try gave up)."""
    for upload in BillAttachment.objects.filter(bill=bill, codat_attachment_id=""):
        last = LedgerWrite.objects.filter(attachment=upload).order_by("-created_at", "-id").first()
        if last is None or last.status == S.FAILED:
            last = LedgerWrite.objects.create(
                company_id=bill.company_id, data_type="bills", kind=K.ATTACHMENT, bill=bill,
                attachment=upload, created_by_id=write.created_by_id,
            )  # fmt: skip
        if last.status == S.QUEUED:
            ledger_write_enqueue(write=last)


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


def _supplier_succeeded(write: LedgerWrite, record_id: str) -> list[str]:
    supplier = Supplier.objects.select_for_update().get(pk=write.supplier_id)
    if write.kind == K.CREATE and record_id and supplier.codat_supplier_id != record_id:
        twin = Supplier.objects.filter(company=supplier.company_id, codat_supplier_id=record_id)
        twin.exclude(pk=supplier.pk).delete()
        Supplier.objects.filter(pk=supplier.pk).update(
            codat_supplier_id=record_id, modified_date=None
        )
        Bill.objects.filter(supplier=supplier).update(codat_supplier_id=record_id)
    Supplier.objects.filter(pk=supplier.pk).update(push_state=PushState.IN_BOOKS, push_error="")
    for waiting in LedgerWrite.objects.filter(bill__supplier=supplier, status=S.QUEUED):
        ledger_write_enqueue(write=waiting)
    return ["suppliers"]


def _fail(write: LedgerWrite, reason: str, messages: list[str] | None = None) -> None:
    with transaction.atomic():
        done = LedgerWrite.objects.filter(pk=write.pk, status__in=LedgerWrite.ACTIVE).update(
            status=S.FAILED, error=reason, validation=messages or [],
            completed_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        if not done:
            return
        write.status, write.error = S.FAILED, reason
        if write.kind == K.ATTACHMENT:
            in_books = Bill.objects.filter(pk=write.bill_id).exclude(
                codat_bill_id__startswith=LOCAL_ID_PREFIX
            )
            in_books.update(push_error=f"The invoice file was not attached: {reason}")
        elif write.data_type == "bills":
            Bill.objects.filter(pk=write.bill_id).update(
                push_state=PushState.FAILED, push_error=reason
            )
        else:
            Supplier.objects.filter(pk=write.supplier_id).update(
                push_state=PushState.FAILED, push_error=reason
            )
            # The bills waiting for this supplier can't go either: let them fail now.
            for waiting in LedgerWrite.objects.filter(
                bill__supplier_id=write.supplier_id, status=S.QUEUED
            ):
                ledger_write_enqueue(write=waiting)
        audit_record(
            company=write.company, actor=None,  # the books did it, not a person
            action=f"{write.data_type}.write.failed", target=str(write.bill or write.supplier or ""),
            ref=f"bill:{write.bill_id}" if write.bill_id else f"supplier:{write.supplier_id}",
            data={"reason": reason},
        )  # fmt: skip


def _refresh_books(company: Company, data_types: list[str]) -> None:
    """Ask Codat to re-read the books, then sync: the mirror catches up with the write.

    The `read.completed` webhook syncs again once Codat's read is done; this sync covers an
    emulator or a Codat that has already finished.
    """
    from billpay.bills.tasks import sync_start  # TODO(#11): goes with this module

    connection = AccountingConnection.objects.filter(company=company).first()
    if connection is None:
        return
    try:
        with get_codat_client() as client:
            for data_type in data_types:
                client.refresh_data_type(
                    company_id=company.codat_company_id, data_type=data_type,
                    connection_id=connection.codat_connection_id,
                )  # fmt: skip
    except CodatError as exc:  # 409: a read is already running, which does the same
        logger.info("refresh after a write for company %s: %s", company.pk, exc)
    sync_start(company=company, trigger=SyncRun.Trigger.PUSH, data_types=data_types)


# --- helpers --------------------------------------------------------------------------------------


class _NotConnected(Exception):
    pass


def _load(write_id: int) -> LedgerWrite | None:
    return (
        LedgerWrite.objects.select_related(
            "company", "bill", "bill__supplier", "supplier", "attachment", "created_by"
        )
        .filter(pk=write_id)
        .first()
    )


def _move(write: LedgerWrite, from_status: str, to_status: str) -> bool:
    moved = LedgerWrite.objects.filter(pk=write.pk, status=from_status).update(
        status=to_status, updated_at=timezone.now()
    )
    if moved:
        write.status = to_status
    return bool(moved)


def _ids(company: Company) -> dict[str, str]:
    connection = AccountingConnection.objects.filter(company=company).first()
    if connection is None or not connection.is_linked or not company.codat_company_id:
        raise _NotConnected("Connect your accounting software again to send this to your books.")
    return {"company_id": company.codat_company_id, "connection_id": connection.codat_connection_id}


def _platform(write: LedgerWrite) -> str:
    connection = AccountingConnection.objects.filter(company=write.company).first()
    return connection.platform_name if connection else "Your accounting software"


def _platform_key(company: Company) -> str:
    connection = AccountingConnection.objects.filter(company=company).first()
    return connection.platform_key if connection else ""


def _messages(items: Any) -> list[str]:
    """Codat's validation items in plain words ("reference: must not be longer than…")."""
    out = []
    for item in items or ():
        message = (getattr(item, "message", None) or "").strip()
        if message:
            out.append(message)
    return out


def _build_body(write: LedgerWrite) -> dict:
    from billpay.bills.services.create import bill_body, supplier_body

    if write.data_type == "bills":
        return bill_body(bill=write.bill)
    return supplier_body(supplier=write.supplier)


__all__ = [
    "LOCAL_ID_PREFIX",
    "WriteOutcome",
    "ledger_write_advance",
    "ledger_write_enqueue",
    "ledger_write_fail",
    "ledger_write_sweep",
    "ledger_write_webhook",
]
