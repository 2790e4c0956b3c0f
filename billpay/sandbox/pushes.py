"""Push operations: created Pending, completed lazily as Success/Failed, or TimedOut."""

import logging
import zlib
from datetime import timedelta

from django.db import connection as db_connection
from django.db import transaction

from billpay.sandbox import clock, conf, payments, webhooks, writes
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import SandboxCompany, SandboxConnection, SandboxPushOperation
from billpay.sandbox.profiles import get_profile

logger = logging.getLogger(__name__)
HANDLERS = {
    ("bills", "Create"): writes.bill_create,
    ("bills", "Update"): writes.bill_update,
    ("bills", "Delete"): writes.bill_delete,
    ("bills", "UploadAttachment"): writes.bill_attachment,
    ("bills", "DeleteAttachment"): writes.bill_attachment_delete,
    ("suppliers", "Create"): writes.supplier_create,
    ("suppliers", "Update"): writes.supplier_update,
    ("bankAccounts", "Create"): writes.bank_account_create,
    ("billCreditNotes", "Create"): writes.credit_note_create,
    ("billPayments", "Create"): payments.bill_payment_create,
    ("billPayments", "Delete"): payments.bill_payment_delete,
}
WEBHOOK_STATUS = {"Success": "successful", "Failed": "unsuccessful", "TimedOut": "unsuccessful"}
PUSH_LOCK_SPACE = 0x53425058  # "SBPX": the first key of the advisory lock applying pushes


def push_create(
    *,
    connection: SandboxConnection,
    data_type: str,
    kind: str,
    record_id: str = "",
    body: dict | None = None,
    timeout_in_minutes: int | None = None,
    attachment=None,
) -> SandboxPushOperation:
    """Accept a write: a Pending operation due after SANDBOX_PUSH_DELAY_SECONDS."""
    now = clock.now()
    delay = connection.company.push_delay_seconds
    if delay is None:
        delay = int(conf.get("SANDBOX_PUSH_DELAY_SECONDS"))
    return SandboxPushOperation.objects.create(
        company_id=connection.company_id,
        connection=connection,
        data_type=data_type,
        kind=kind,
        record_id=record_id,
        body=body,
        attachment=attachment,
        requested=now,
        due=now + timedelta(seconds=delay),
        timeout_in_minutes=timeout_in_minutes,
    )


def push_json(op: SandboxPushOperation, *, echo: bool = False) -> dict:
    """A PushOperation, plus the deprecated `data` echo of the submitted record if asked."""
    body = {
        "changes": op.changes,
        "dataType": op.data_type,
        "companyId": str(op.company_id),
        "pushOperationKey": str(op.key),
        "dataConnectionKey": str(op.connection_id),
        "requestedOnUtc": iso(op.requested),
        "timeoutInMinutes": op.timeout_in_minutes,
        "timeoutInSeconds": op.timeout_in_minutes * 60 if op.timeout_in_minutes else None,
        "status": op.status,
        "errorMessage": op.error_message,
        "validation": op.validation or {"errors": [], "warnings": []},
        "statusCode": op.status_code,
    }
    # The spec types completedOnUtc as a string, so it is left out rather than null while Pending.
    if op.completed:
        body["completedOnUtc"] = iso(op.completed)
    # A push sent without a body has no record to echo (an empty `data` would break the schema).
    if echo and op.body:
        body["data"] = op.body
    return body


def advance_pushes(company: SandboxCompany) -> list[SandboxPushOperation]:
    """Complete or time out every due Pending operation, oldest first.

    Each in a transaction of its own, its webhook recorded with it and sent as it commits, as
    Codat's books apply one write at a time: when 200 pushes fell due together, one transaction
    for all held every webhook back until the last was applied, and the app polled meanwhile.
    """
    now = clock.now()
    pending = SandboxPushOperation.objects.filter(
        company=company, status=SandboxPushOperation.Status.PENDING
    ).order_by("requested")
    due = [
        op.pk
        for op in pending.only("requested", "due", "timeout_in_minutes")
        if _settles(op, now) is not None
    ]
    finished = []
    for pk in due:
        with transaction.atomic():
            if not _apply_alone(company):
                break  # another request is applying them right now: it goes on from here
            op = (
                SandboxPushOperation.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status=SandboxPushOperation.Status.PENDING)
                .select_related("connection", "attachment")
                .first()
            )
            if op is None:
                continue  # applied meanwhile
            timed_out = _settles(op, now)
            if timed_out:
                _finish(op, SandboxPushOperation.Status.TIMED_OUT, timed_out)
            else:
                _execute(company, op)
            _emit(company, op)
        finished.append(op)
    return finished


def _settles(op: SandboxPushOperation, now):
    """None while the operation is not due; its deadline when it times out; False when it is
    applied now."""
    deadline = (
        op.requested + timedelta(minutes=op.timeout_in_minutes)
        if op.timeout_in_minutes is not None
        else None
    )
    if deadline is not None and deadline < op.due and deadline <= now:
        return deadline
    if op.due <= now:
        return False
    return None


def _apply_alone(company: SandboxCompany) -> bool:
    """Take the company's push lock until the transaction ends; False when another holds it.

    A company's pushes are applied by one request at a time, as its books would apply them:
    two requests applying two pushes at once both numbered their new record "records so far +
    1001" and the second write replaced the first (a payment recorded, yet not in the books),
    and both read a bill before either lowered its amount due. SQLite (`make run`) runs one
    write transaction at a time by itself.
    """
    if db_connection.vendor != "postgresql":
        return True
    key = zlib.crc32(str(company.pk).encode()) - 2**31  # a signed 32-bit key per company
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [PUSH_LOCK_SPACE, key])
        return bool(cursor.fetchone()[0])


def _execute(company: SandboxCompany, op: SandboxPushOperation) -> None:
    profile = get_profile(op.connection.platform_key)
    handler = HANDLERS[(op.data_type, op.kind)]
    try:
        with transaction.atomic():
            outcome = handler(company, profile, op)
    except Exception as exc:
        # A malformed body (say a string where a list belongs) must fail this one push, not
        # leave it Pending and break every later request for the company.
        if not isinstance(exc, writes.Invalid):
            logger.warning("sandbox push %s could not be processed: %r", op.key, exc)
            exc = writes.Invalid(
                [{"itemId": "", "message": "The record is malformed.", "validatorName": "Push"}]
            )
        warnings = (op.validation or {}).get("warnings", [])
        op.validation = {"errors": exc.items, "warnings": warnings}
        op.error_message = (
            f"Push failed for {op.data_type}: see validation for more information. {exc}"
        )
        op.status_code = 400
        _finish(op, SandboxPushOperation.Status.FAILED, op.due)
        return
    op.changes = [
        {
            "type": outcome.change,
            "recordRef": {"id": outcome.record_id, "dataType": outcome.data_type},
            "attachmentId": outcome.attachment_id,
        }
    ]
    op.record_id = outcome.record_id
    op.status_code = 200
    _finish(op, SandboxPushOperation.Status.SUCCESS, op.due)


def _finish(op: SandboxPushOperation, status: str, when) -> None:
    op.status = status
    op.completed = when
    op.save()


def _emit(company: SandboxCompany, op: SandboxPushOperation) -> None:
    payload = {
        "id": str(op.key),
        # Codat's write types have no DeleteAttachment: an attachment removal is a Delete.
        "type": "Delete" if op.kind == "DeleteAttachment" else op.kind,
        "referenceCompany": webhooks.reference_company(company),
        "connectionId": str(op.connection_id),
        "requestedOnDate": iso(op.requested),
        "completedOnDate": iso(op.completed),
        "status": op.status,
        "record": {"id": op.record_id} if op.status == "Success" else None,
        "attachmentId": str(op.attachment_id) if op.attachment_id else None,
    }
    webhooks.emit(company, f"{op.data_type}.write.{WEBHOOK_STATUS[op.status]}", payload)
