"""Reads from Codat's cache, data freshness (datasets), and push history."""

import uuid

from django.http import HttpResponse

from billpay.sandbox import pushes, query, store
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import (
    SandboxAttachment,
    SandboxCacheRecord,
    SandboxConnection,
    SandboxDataset,
    SandboxPushOperation,
)
from billpay.sandbox.profiles import get_profile
from billpay.sandbox.views.base import ApiError, api, json_response, paged
from billpay.sandbox.views.companies import get_connection

# URL segment under /data/ -> data type stored (and synced) under that name
READ_TYPES = {
    "bills": "bills",
    "suppliers": "suppliers",
    "accounts": "chartOfAccounts",
    "billPayments": "billPayments",
    "taxRates": "taxRates",
    "paymentMethods": "paymentMethods",
    "billCreditNotes": "billCreditNotes",
    "trackingCategories": "trackingCategories",
    "journals": "journals",
}
DATASET_SCHEMA = query.Schema(
    name="Dataset",
    fields=frozenset(),
    columns={
        "id": ("id", "str"),
        "dataType": ("data_type", "str"),
        "status": ("status", "str"),
        "requested": ("requested", "datetime"),
        "completed": ("completed", "datetime"),
    },
)
PUSH_SCHEMA = query.Schema(
    name="PushOperation",
    fields=frozenset(),
    columns={
        "pushOperationKey": ("key", "str"),
        "dataConnectionKey": ("connection_id", "str"),
        "dataType": ("data_type", "str"),
        "status": ("status", "str"),
        "requestedOnUtc": ("requested", "datetime"),
        "completedOnUtc": ("completed", "datetime"),
    },
)


def ready(company, data_type: str) -> None:
    """409 until the first dataset of this type completes; refreshes a stale cache lazily.

    A type whose reads ended in an error has never been read, so it stays 409 like one never
    requested; one the platform does not support is Codat's 404.
    """
    store.refresh_if_stale(company, data_type)
    if store.last_complete(company, data_type) is None:
        unsupported = store.not_supported(company, data_type)
        if unsupported:
            platform = get_profile(unsupported.connection.platform_key).name
            raise ApiError(
                404, f"Datatype {data_type} not supported by platform(s) {platform}", "PullApi"
            )
        if store.in_progress(company, data_type):
            raise ApiError(409, f"The {data_type} data set is still syncing.", "PullApi")
        raise ApiError(409, "The data set has not been requested.", "PullApi")


def _records(company, data_type: str):
    return SandboxCacheRecord.objects.filter(company=company, data_type=data_type)


def _list(request, company, data_type: str):
    ready(company, data_type)
    schema = store.SCHEMAS[data_type]
    queryset = _records(company, data_type).filter(query.build_q(request.GET.get("query"), schema))
    ordering = query.order_by(request.GET.get("orderBy"), schema)
    return json_response(paged(request, queryset, lambda row: row.data, ordering))


def _get(request, company, data_type: str, record_id: str):
    ready(company, data_type)
    row = _records(company, data_type).filter(record_id=record_id).first()
    if row is None:
        raise ApiError(404, f"No data available for {data_type} with ID {record_id}", "PullApi")
    return json_response(row.data)


def list_view(segment: str):
    """The paged list endpoint for /data/{segment}."""
    return api(GET=lambda request, company: _list(request, company, READ_TYPES[segment]))


def detail_view(segment: str):
    """The single-record endpoint for /data/{segment}/{id}."""
    return api(
        GET=lambda request, company, record_id: _get(
            request, company, READ_TYPES[segment], record_id
        )
    )


def _info(request, company):
    ready(company, "company")
    row = _records(company, "company").first()
    if row is None:
        raise ApiError(404, f"No data available for company info for ID {company.id}", "PullApi")
    data = {k: v for k, v in row.data.items() if k not in ("id", "metadata", "modifiedDate")}
    return json_response(data)


def _data_status(request, company):
    return json_response(store.data_status(company))


def _linked_connection(company, connection_id: str | None) -> SandboxConnection:
    if connection_id:
        return get_connection(company, connection_id)
    # The Linked connection; failing that the latest one that ever linked (its pull will fail
    # with AuthError, as Codat's does for a Deauthorized connection).
    connections = company.connections.exclude(status=SandboxConnection.Status.PENDING_AUTH)
    connection = (
        connections.filter(status=SandboxConnection.Status.LINKED).first()
        or connections.order_by("-created").first()
    )
    if connection is None:
        raise ApiError(400, f"Company {company.id} has no linked connection.", "PullApi")
    return connection


def _queue(request, company, data_type):
    if data_type not in store.QUEUEABLE_TYPES:
        raise ApiError(400, f"Data type {data_type} is not supported.", "PullApi")
    connection = _linked_connection(company, request.GET.get("connectionId"))
    running = store.in_progress(company, data_type)
    if running:
        raise ApiError(
            409,
            f"DatasetAlreadyInProgressException: Cannot queue {data_type} sync for {company.id} "
            f"as previous sync {running.id} is still in progress",
            "PullApi",
        )
    return json_response(store.dataset_json(store.queue_dataset(company, connection, data_type)))


def _queue_all(request, company):
    connection = _linked_connection(company, None)
    for data_type in store.first_read_types():
        if not store.in_progress(company, data_type):
            store.queue_dataset(company, connection, data_type)
    return HttpResponse(status=204)


def _history(request, company):
    queryset = SandboxDataset.objects.filter(company=company).filter(
        query.build_q(request.GET.get("query"), DATASET_SCHEMA)
    )
    ordering = query.order_by(request.GET.get("orderBy"), DATASET_SCHEMA, default="-requested")
    return json_response(paged(request, queryset, store.dataset_json, ordering))


def _history_one(request, company, dataset_id):
    try:
        dataset = SandboxDataset.objects.get(company=company, pk=uuid.UUID(dataset_id))
    except (ValueError, SandboxDataset.DoesNotExist):
        raise ApiError(404, f"No dataset was found with ID {dataset_id}", "PullApi") from None
    return json_response(store.dataset_json(dataset))


def _push_list(request, company):
    queryset = SandboxPushOperation.objects.filter(company=company).filter(
        query.build_q(request.GET.get("query"), PUSH_SCHEMA)
    )
    ordering = query.order_by(request.GET.get("orderBy"), PUSH_SCHEMA, default="-requestedOnUtc")
    return json_response(paged(request, queryset, pushes.push_json, ordering))


def _push_one(request, company, push_key):
    try:
        op = SandboxPushOperation.objects.get(company=company, pk=uuid.UUID(push_key))
    except (ValueError, SandboxPushOperation.DoesNotExist):
        raise ApiError(404, f"No push operation was found with key {push_key}", "PushApi") from None
    return json_response(pushes.push_json(op))


def attachment_json(attachment: SandboxAttachment) -> dict:
    """An Attachment's metadata."""
    return {
        "id": str(attachment.id),
        "name": attachment.name,
        "contentType": attachment.content_type,
        "dateCreated": iso(attachment.created),
        "fileSize": len(attachment.content),
        "includeWhenSent": False,
        "modifiedDate": iso(attachment.created),
        "sourceModifiedDate": iso(attachment.created),
    }


def _attachments(company, connection_id, bill_id):
    get_connection(company, connection_id)
    ready(company, "bills")
    if not _records(company, "bills").filter(record_id=bill_id).exists():
        raise ApiError(404, f"No data available for bills with ID {bill_id}", "PullApi")
    return SandboxAttachment.objects.filter(company=company, bill_id=bill_id, is_visible=True)


def _attachment_list(request, company, connection_id, bill_id):
    rows = _attachments(company, connection_id, bill_id).order_by("created")
    return json_response({"attachments": [attachment_json(a) for a in rows]})


def _attachment(company, connection_id, bill_id, attachment_id) -> SandboxAttachment:
    try:
        return _attachments(company, connection_id, bill_id).get(pk=uuid.UUID(attachment_id))
    except (ValueError, SandboxAttachment.DoesNotExist):
        raise ApiError(404, f"No attachment was found with ID {attachment_id}", "PullApi") from None


def _attachment_get(request, company, connection_id, bill_id, attachment_id):
    return json_response(
        attachment_json(_attachment(company, connection_id, bill_id, attachment_id))
    )


def _attachment_download(request, company, connection_id, bill_id, attachment_id):
    attachment = _attachment(company, connection_id, bill_id, attachment_id)
    response = HttpResponse(bytes(attachment.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{attachment.name}"'
    return response


info = api(GET=_info)
data_status = api(GET=_data_status)
queue = api(POST=_queue)
queue_all = api(POST=_queue_all)
history = api(GET=_history)
history_one = api(GET=_history_one)
push_list = api(GET=_push_list)
push_one = api(GET=_push_one)
attachment_list = api(GET=_attachment_list)
attachment_get = api(GET=_attachment_get)
attachment_download = api(GET=_attachment_download)
