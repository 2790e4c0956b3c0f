"""Write endpoints: every push answers a Pending PushOperation that completes later."""

import uuid

from django.core.files.uploadedfile import UploadedFile

from billpay.sandbox import clock, pushes
from billpay.sandbox.models import SandboxAttachment, SandboxConnection
from billpay.sandbox.profiles import (
    OPTION_DATA_TYPES,
    delete_supported,
    get_profile,
    push_options,
)
from billpay.sandbox.views.base import ApiError, api, json_response, read_json
from billpay.sandbox.views.companies import get_connection

READ_ONLY = ("id", "modifiedDate", "sourceModifiedDate", "metadata")


def _linked(company, connection_id) -> SandboxConnection:
    connection = get_connection(company, connection_id)
    if connection.status != SandboxConnection.Status.LINKED:
        raise ApiError(
            400, f"Data connection {connection.id} is {connection.status}; re-link it to push."
        )
    return connection


def _timeout(request) -> int | None:
    raw = request.GET.get("timeoutInMinutes")
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ApiError(400, "Error processing request - timeoutInMinutes must be a whole number.")
    return value


def _body(request) -> tuple[dict, list[dict]]:
    """The record to write, minus read-only fields (which Codat warns about rather than uses)."""
    body = read_json(request)
    warnings = [
        {
            "itemId": name,
            "message": f"{name} is read-only and was ignored.",
            "validatorName": "Push",
        }
        for name in READ_ONLY
        if name in body
    ]
    return {k: v for k, v in body.items() if k not in READ_ONLY}, warnings


def _write(request, company, connection_id, data_type, kind, record_id="", with_body=True):
    connection = _linked(company, connection_id)
    if kind == "Delete":
        profile = get_profile(connection.platform_key)
        if not delete_supported(profile, data_type):
            # Codat answers a data type or operation the integration lacks with a 404
            # (CODAT.md §7 and §11: "not supported by platform(s)"); nothing is queued.
            raise ApiError(
                404,
                f"Delete {data_type} is not supported by platform(s) {profile.name}",
                "PushApi",
            )
    body, warnings = _body(request) if with_body else (None, [])
    op = pushes.push_create(
        connection=connection,
        data_type=data_type,
        kind=kind,
        record_id=record_id,
        body=body,
        timeout_in_minutes=_timeout(request),
    )
    if warnings:
        op.validation = {"errors": [], "warnings": warnings}
        op.save(update_fields=["validation"])
    return json_response(pushes.push_json(op, echo=with_body))


def _bill_create(request, company, connection_id):
    return _write(request, company, connection_id, "bills", "Create")


def _bill_update(request, company, connection_id, bill_id):
    return _write(request, company, connection_id, "bills", "Update", bill_id)


def _bill_delete(request, company, connection_id, bill_id):
    return _write(request, company, connection_id, "bills", "Delete", bill_id, with_body=False)


def _bill_attachment(request, company, connection_id, bill_id):
    connection = _linked(company, connection_id)
    upload: UploadedFile | None = request.FILES.get("file")
    if upload is None:
        raise ApiError(400, "Error processing request - a multipart 'file' part is required.")
    attachment = SandboxAttachment.objects.create(
        company=company,
        bill_id=bill_id,
        name=upload.name or "attachment",
        content_type=upload.content_type or "application/octet-stream",
        content=upload.read(),
        created=clock.now(),
    )
    op = pushes.push_create(
        connection=connection,
        data_type="bills",
        kind="UploadAttachment",
        record_id=bill_id,
        attachment=attachment,
    )
    return json_response(pushes.push_json(op))


def _bill_attachment_delete(request, company, connection_id, bill_id, attachment_id):
    connection = _linked(company, connection_id)
    attachment = SandboxAttachment.objects.filter(
        company=company, bill_id=bill_id, pk=_uuid_or_none(attachment_id)
    ).first()
    if attachment is None:
        raise ApiError(404, f"No attachment was found with ID {attachment_id}", "PushApi")
    op = pushes.push_create(
        connection=connection,
        data_type="bills",
        kind="DeleteAttachment",
        record_id=bill_id,
        attachment=attachment,
    )
    return json_response(pushes.push_json(op))


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _supplier_create(request, company, connection_id):
    return _write(request, company, connection_id, "suppliers", "Create")


def _supplier_update(request, company, connection_id, supplier_id):
    return _write(request, company, connection_id, "suppliers", "Update", supplier_id)


def _credit_note_create(request, company, connection_id):
    profile = get_profile(get_connection(company, connection_id).platform_key)
    if not profile.supports("billCreditNotes"):
        raise ApiError(
            404, f"Datatype billCreditNotes not supported by platform(s) {profile.name}", "PushApi"
        )
    return _write(request, company, connection_id, "billCreditNotes", "Create")


def _bank_account_create(request, company, connection_id):
    return _write(request, company, connection_id, "bankAccounts", "Create")


def _bill_payment_create(request, company, connection_id):
    return _write(request, company, connection_id, "billPayments", "Create")


def _bill_payment_delete(request, company, connection_id, payment_id):
    return _write(
        request, company, connection_id, "billPayments", "Delete", payment_id, with_body=False
    )


def _options(request, company, connection_id, data_type):
    connection = get_connection(company, connection_id)
    profile = get_profile(connection.platform_key)
    if data_type not in OPTION_DATA_TYPES or not profile.supports(data_type):
        raise ApiError(
            404, f"Datatype {data_type} not supported by platform(s) {connection.platform_key}"
        )
    return json_response(push_options(profile, data_type))


bills = api(POST=_bill_create)
bill = api(PUT=_bill_update, DELETE=_bill_delete)
bill_attachments = api(POST=_bill_attachment)
bill_attachment = api(DELETE=_bill_attachment_delete)
suppliers = api(POST=_supplier_create)
supplier = api(PUT=_supplier_update)
bank_accounts = api(POST=_bank_account_create)
credit_notes = api(POST=_credit_note_create)
bill_payments = api(POST=_bill_payment_create)
bill_payment = api(DELETE=_bill_payment_delete)
options = api(GET=_options)
