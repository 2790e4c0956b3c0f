"""The ledger: the accounting software's own records, which pushes change."""

from billpay.sandbox import clock
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import SandboxCompany, SandboxLedgerRecord


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
