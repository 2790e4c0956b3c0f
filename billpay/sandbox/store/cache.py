"""Codat's cache, which /data/* serves: copies of the ledger made when a read completes."""

from datetime import datetime

from django.db import transaction
from django.db.models import F

from billpay.sandbox import clock
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import SandboxCacheRecord, SandboxCompany, SandboxLedgerRecord
from billpay.sandbox.store.datatypes import BATCH, RECORD_TYPE


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
