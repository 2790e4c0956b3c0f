"""Reads (datasets, Codat's pull operations): queued, completed lazily when due, refreshed on a
schedule, and reported as `dataStatus`."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F

from billpay.sandbox import clock, conf
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import (
    SandboxCompany,
    SandboxConnection,
    SandboxDataset,
    split_names,
)
from billpay.sandbox.profiles import get_profile
from billpay.sandbox.store.cache import sync_records


def first_read_types() -> tuple[str, ...]:
    """The data types a first read fetches ("Fetch on first link" in Codat's portal)."""
    return tuple(conf.get("SANDBOX_FIRST_READ_DATA_TYPES"))


def queue_dataset(
    company: SandboxCompany,
    connection: SandboxConnection,
    data_type: str,
    *,
    initial: bool = False,
) -> SandboxDataset:
    """Queue a pull of one type; it completes lazily after SANDBOX_SYNC_DELAY_SECONDS."""
    now = clock.now()
    delay = timedelta(seconds=int(conf.get("SANDBOX_SYNC_DELAY_SECONDS")))
    return SandboxDataset.objects.create(
        company=company,
        connection=connection,
        data_type=data_type,
        requested=now,
        due=now + delay,
        initial=initial,
    )


def in_progress(company: SandboxCompany, data_type: str) -> SandboxDataset | None:
    """The unfinished dataset of a type, if any."""
    return SandboxDataset.objects.filter(
        company=company, data_type=data_type, completed__isnull=True
    ).first()


def injected_read_error(company: SandboxCompany, dataset: SandboxDataset) -> str | None:
    """The error status the company's fault profile gives this read, or None.

    The fault hits the first read after linking. NotSupported hits every read of the type too:
    a platform that lacks a data type lacks it on every later read as well.
    """
    status = company.first_read_error or conf.get("SANDBOX_FAULT_FIRST_READ_ERROR")
    if not status:
        return None
    names = split_names(company.first_read_error_types) or list(
        conf.get("SANDBOX_FAULT_FIRST_READ_ERROR_TYPES")
    )
    if names and dataset.data_type not in names:
        return None
    if dataset.initial or status == SandboxDataset.Status.NOT_SUPPORTED:
        return status
    return None


def complete_due_datasets(company: SandboxCompany) -> list[SandboxDataset]:
    """Finish every dataset whose time has come; returns them (for read.completed webhooks)."""
    now = clock.now()
    finished = []
    with transaction.atomic():
        due = (
            SandboxDataset.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(company=company, completed__isnull=True, due__lte=now)
            .select_related("connection")
            .order_by("requested")
        )
        for dataset in due:
            error = injected_read_error(company, dataset)
            if dataset.connection.status != SandboxConnection.Status.LINKED:
                dataset.status = SandboxDataset.Status.AUTH_ERROR
            elif error:
                # Nothing reaches the cache: the type has no successful sync to serve.
                dataset.status = error
            elif not get_profile(dataset.connection.platform_key).supports(dataset.data_type):
                dataset.status = SandboxDataset.Status.NOT_SUPPORTED
            else:
                dataset.records_modified = sync_records(company, dataset.data_type)
                dataset.status = SandboxDataset.Status.COMPLETE
            dataset.completed = now
            dataset.save()
            finished.append(dataset)
        synced = {d.connection_id for d in finished if d.status == SandboxDataset.Status.COMPLETE}
        if synced:
            SandboxCompany.objects.filter(pk=company.pk).update(last_sync=now)
            SandboxConnection.objects.filter(pk__in=synced, status="Linked").update(last_sync=now)
    return finished


def last_complete(company: SandboxCompany, data_type: str) -> SandboxDataset | None:
    """The most recent successful dataset of a type."""
    return (
        SandboxDataset.objects.filter(
            company=company, data_type=data_type, status=SandboxDataset.Status.COMPLETE
        )
        .order_by("-completed")
        .first()
    )


def refresh_if_stale(company: SandboxCompany, data_type: str) -> SandboxDataset | None:
    """Codat's sync schedule, run lazily: re-pull a type whose last sync is too old."""
    every = int(conf.get("SANDBOX_CACHE_REFRESH_SECONDS"))
    latest = last_complete(company, data_type)
    if not every or latest is None or latest.completed > clock.now() - timedelta(seconds=every):
        return None
    if in_progress(company, data_type):
        return None
    connection = latest.connection
    if connection.status != SandboxConnection.Status.LINKED:
        return None
    now = clock.now()
    return SandboxDataset.objects.create(
        company=company,
        connection=connection,
        data_type=data_type,
        requested=now,
        due=now,
        completed=now,
        status=SandboxDataset.Status.COMPLETE,
        records_modified=sync_records(company, data_type),
    )


def data_status(company: SandboxCompany) -> dict:
    """The `dataStatus` object: one DataStatus per data type ever requested."""
    datasets = SandboxDataset.objects.filter(company=company)
    result: dict = {}
    # A few indexed lookups per type rather than walking the whole (ever-growing) history.
    for data_type in sorted(set(datasets.values_list("data_type", flat=True))):
        latest = (
            datasets.filter(data_type=data_type)
            .order_by(F("requested").desc(), F("completed").desc(nulls_first=True))
            .first()
        )
        entry = {
            "dataType": data_type,
            "currentStatus": latest.status,
            "latestSyncId": str(latest.id),
        }
        success = last_complete(company, data_type)
        if success is not None:
            entry["lastSuccessfulSync"] = iso(success.completed)
            entry["latestSuccessfulSyncId"] = str(success.id)
        result[data_type] = entry
    return result


# errorMessage of a pull operation that ended in an error, in the platform's voice.
READ_ERROR_MESSAGES = {
    "FetchError": "An error occurred while fetching data from the accounting platform.",
    "AuthError": "The connection is not linked: the platform refused our credentials.",
    "PrerequisiteNotMet": "A data type this one depends on has not been read yet.",
    "ValidationError": "The data read from the accounting platform failed validation.",
    "InternalError": "An internal error occurred while reading the data.",
    "NotSupported": "This data type is not supported by the accounting platform.",
    "MapError": "The data read from the accounting platform could not be mapped.",
    "ProcessingError": "The data read from the accounting platform could not be processed.",
    "PermissionsError": "The connected user lacks permission to read this data.",
    "RateLimitError": "The accounting platform's rate limit was reached during the read.",
    "Cancelled": "The read was cancelled.",
}
# Codat counts NotSupported as a finished read, not a failed one: its spec says to find failed
# pull operations with `status!=Complete&&status!=NotSupported`.
SUCCESSFUL_ENDS = ("Complete", "NotSupported")


def dataset_json(dataset: SandboxDataset) -> dict:
    """A PullOperation."""
    done = dataset.completed is not None
    body = {
        "id": str(dataset.id),
        "companyId": str(dataset.company_id),
        "connectionId": str(dataset.connection_id),
        "dataType": dataset.data_type,
        "status": dataset.status,
        "statusDescription": None,
        "errorMessage": READ_ERROR_MESSAGES.get(dataset.status),
        "requested": iso(dataset.requested),
        "progress": 100 if done else 0,
        "isCompleted": done and dataset.status in SUCCESSFUL_ENDS,
        "isErrored": done and dataset.status not in SUCCESSFUL_ENDS,
    }
    if done:
        body["completed"] = iso(dataset.completed)
    return body


def not_supported(company: SandboxCompany, data_type: str) -> SandboxDataset | None:
    """The latest finished read of a type if it says the platform lacks the type, else None."""
    latest = (
        SandboxDataset.objects.filter(company=company, data_type=data_type)
        .exclude(completed__isnull=True)
        .select_related("connection")
        .order_by("-completed")
        .first()
    )
    return latest if latest and latest.status == SandboxDataset.Status.NOT_SUPPORTED else None
