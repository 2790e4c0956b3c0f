"""The two stores: the ledger (the accounting software) and Codat's cache that /data/* serves."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from billpay.sandbox import clock, conf, query
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import (
    SandboxCacheRecord,
    SandboxCompany,
    SandboxConnection,
    SandboxDataset,
    SandboxLedgerRecord,
    split_names,
)

# Every data type the generated books hold: a seeded company (books read long ago) has all of them
# in the cache. Which of them a first read after linking fetches is SANDBOX_FIRST_READ_DATA_TYPES.
BOOK_TYPES = (
    "bankAccounts",
    "bills",
    "billPayments",
    "chartOfAccounts",
    "company",
    "paymentMethods",
    "suppliers",
    "taxRates",
)
QUEUEABLE_TYPES = (*BOOK_TYPES, "billCreditNotes", "trackingCategories", "journals")
# A dataset of one type refreshes the records stored under another.
RECORD_TYPE = {"bankAccounts": "chartOfAccounts"}
BATCH = 2000

_COMMON = {"id", "metadata", "modifiedDate", "sourceModifiedDate", "supplementalData"}
_HOT_COLUMNS = {
    "id": ("record_id", "str"),
    "modifiedDate": ("modified_date", "datetime"),
    "metadata.isDeleted": ("is_deleted", "bool"),
}


def _schema(name: str, fields: set[str], arrays: set[str] = frozenset()) -> query.Schema:
    return query.Schema(
        name=name,
        fields=frozenset(fields | _COMMON | set(arrays)),
        arrays=frozenset(arrays),
        columns=_HOT_COLUMNS,
    )


SCHEMAS = {
    "bills": _schema(
        "Bill",
        {"reference", "supplierRef", "issueDate", "dueDate", "currency", "currencyRate", "note"}
        | {"status", "subTotal", "taxAmount", "totalAmount", "amountDue"},
        {"lineItems", "paymentAllocations", "purchaseOrderRefs", "withholdingTax"},
    ),
    "suppliers": _schema(
        "Supplier",
        {"supplierName", "contactName", "emailAddress", "phone", "registrationNumber"}
        | {"taxNumber", "status", "defaultCurrency"},
        {"addresses"},
    ),
    "chartOfAccounts": _schema(
        "Account",
        {"nominalCode", "name", "description", "fullyQualifiedCategory", "fullyQualifiedName"}
        | {"currency", "currentBalance", "type", "status", "isBankAccount"},
        {"validDatatypeLinks"},
    ),
    "billPayments": _schema(
        "BillPayment",
        {"supplierRef", "accountRef", "totalAmount", "currency", "currencyRate", "date", "note"}
        | {"paymentMethodRef", "reference"},
        {"lines"},
    ),
    "taxRates": _schema(
        "TaxRate",
        {"name", "code", "status", "effectiveTaxRate", "totalTaxRate"},
        {"components", "validDatatypeLinks"},
    ),
    "paymentMethods": _schema("PaymentMethod", {"name", "type", "status"}),
    "billCreditNotes": _schema(
        "BillCreditNote",
        {"billCreditNoteNumber", "supplierRef", "totalAmount", "remainingCredit", "status"}
        | {"currency", "issueDate", "note"},
        {"lineItems", "paymentAllocations"},
    ),
    "trackingCategories": _schema("TrackingCategory", {"name", "parentId", "status"}),
    "journals": _schema("Journal", {"journalCode", "name", "status", "type"}),
}


def ledger_get(company: SandboxCompany, data_type: str, record_id: str) -> dict | None:
    """A live (not deleted) ledger record's JSON, or None."""
    row = SandboxLedgerRecord.objects.filter(
        company=company, data_type=data_type, record_id=record_id, is_deleted=False
    ).first()
    return row.data if row else None


def ledger_put(company: SandboxCompany, data_type: str, record_id: str, data: dict) -> dict:
    """Create or replace a record in the books, stamping sourceModifiedDate; returns the JSON."""
    now = clock.now()
    data = {**data, "id": record_id, "sourceModifiedDate": iso(now)}
    data.pop("modifiedDate", None)
    data.pop("metadata", None)
    row, created = SandboxLedgerRecord.objects.get_or_create(
        company=company,
        data_type=data_type,
        record_id=record_id,
        defaults={"data": data, "source_modified_date": now},
    )
    if not created:
        row.data = data
        row.is_deleted = False
        row.version += 1
        row.source_modified_date = now
        row.save()
    return data


def ledger_delete(company: SandboxCompany, data_type: str, record_id: str) -> bool:
    """Remove a record from the books (kept as a tombstone so the cache can flag isDeleted)."""
    row = SandboxLedgerRecord.objects.filter(
        company=company, data_type=data_type, record_id=record_id, is_deleted=False
    ).first()
    if row is None:
        return False
    row.is_deleted = True
    row.version += 1
    row.source_modified_date = clock.now()
    row.save()
    return True


def ledger_exists(company: SandboxCompany, data_type: str, record_id: str) -> bool:
    """Whether an id is taken in the ledger (live or deleted)."""
    return SandboxLedgerRecord.objects.filter(
        company=company, data_type=data_type, record_id=record_id
    ).exists()


def ledger_ids(company: SandboxCompany, data_type: str) -> int:
    """How many records (live or deleted) a type has in the ledger, for new numeric ids."""
    return SandboxLedgerRecord.objects.filter(company=company, data_type=data_type).count()


def cache_data(data: dict, deleted: bool, moment: datetime) -> dict:
    """A ledger record's JSON as Codat's cache serves it, changed at `moment`."""
    data = {**data, "modifiedDate": iso(moment), "metadata": {"isDeleted": deleted}}
    if deleted:
        # Codat has no sourceModifiedDate for records deleted in the source.
        data.pop("sourceModifiedDate", None)
    return data


def cache_row(ledger: SandboxLedgerRecord, moment: datetime) -> SandboxCacheRecord:
    """The cache's copy of a ledger record as Codat would serve it at `moment`."""
    data = cache_data(ledger.data, ledger.is_deleted, moment)
    return SandboxCacheRecord(
        company_id=ledger.company_id,
        data_type=ledger.data_type,
        record_id=ledger.record_id,
        data=data,
        is_deleted=ledger.is_deleted,
        ledger_version=ledger.version,
        modified_date=moment,
    )


def first_read_types() -> tuple[str, ...]:
    """The data types a first read fetches ("Fetch on first link" in Codat's portal)."""
    return tuple(conf.get("SANDBOX_FIRST_READ_DATA_TYPES"))


def sync_records(company: SandboxCompany, data_type: str) -> bool:
    """Copy ledger changes of one type into the cache; returns whether anything changed."""
    record_type = RECORD_TYPE.get(data_type, data_type)
    moment = clock.now()
    changed = False
    with transaction.atomic():
        # Locked so a ledger write cannot slip between copying a row and marking it cached.
        stale = (
            SandboxLedgerRecord.objects.select_for_update(of=("self",))
            .filter(company=company, data_type=record_type)
            .exclude(cached_version=F("version"))
            .order_by("pk")
        )
        batch: list[SandboxLedgerRecord] = []
        for ledger in stale.iterator(chunk_size=BATCH):
            batch.append(ledger)
            if len(batch) >= BATCH:
                changed |= _copy_to_cache(batch, moment)
                batch = []
        if batch:
            changed |= _copy_to_cache(batch, moment)
    return changed


def _copy_to_cache(rows: list[SandboxLedgerRecord], moment: datetime) -> bool:
    """Copy a batch into the cache; returns whether any cached record changed."""
    # A record deleted in the books before Codat's cache ever held it was never seen, so it is
    # never served, not even flagged isDeleted (Codat: "records created and deleted before the
    # first sync are never seen"). Only deletions of records the cache holds are copied.
    deleted = [row.record_id for row in rows if row.is_deleted]
    seen = set()
    if deleted:
        seen = set(
            SandboxCacheRecord.objects.filter(
                company_id=rows[0].company_id, data_type=rows[0].data_type, record_id__in=deleted
            ).values_list("record_id", flat=True)
        )
    visible = [row for row in rows if not row.is_deleted or row.record_id in seen]
    _upsert([cache_row(row, moment) for row in visible])
    SandboxLedgerRecord.objects.filter(pk__in=[row.pk for row in rows]).update(
        cached_version=F("version")
    )
    return bool(visible)


def _upsert(rows: list[SandboxCacheRecord]) -> None:
    SandboxCacheRecord.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["company", "data_type", "record_id"],
        update_fields=["data", "is_deleted", "ledger_version", "modified_date"],
    )


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
