"""Fast bulk loading of generated records into the ledger and, optionally, the cache."""

from datetime import datetime

from django.db import connection

from billpay.sandbox import store
from billpay.sandbox.jsonutil import dumps, iso
from billpay.sandbox.models import SandboxCacheRecord, SandboxCompany, SandboxLedgerRecord


class BulkWriter:
    """Buffers ledger (and optionally cache) rows and flushes them in batches."""

    # On PostgreSQL rows go in with COPY and JSON serialised once: Django's bulk_create quotes
    # every JSON document inside an UNNEST array in Python, which dominates a 100,000-bill seed.

    def __init__(self, company: SandboxCompany, moment: datetime, fill_cache: bool):
        self.company, self.moment, self.fill_cache = company, moment, fill_cache
        self.rows: list[tuple[str, dict, datetime, bool]] = []
        self.copy = connection.vendor == "postgresql"
        self.stamp = iso(moment)

    def add(self, data_type: str, data: dict, source_modified: datetime, deleted=False) -> None:
        data["sourceModifiedDate"] = iso(source_modified)
        self.rows.append((data_type, data, source_modified, deleted))
        if len(self.rows) >= store.BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.copy:
            self._copy()
        else:
            self._bulk_create()
        self.rows = []

    def _bulk_create(self) -> None:
        ledger = [
            SandboxLedgerRecord(
                company=self.company,
                data_type=data_type,
                record_id=data["id"],
                data=data,
                is_deleted=deleted,
                source_modified_date=source_modified,
                cached_version=1 if self.fill_cache else 0,
            )
            for data_type, data, source_modified, deleted in self.rows
        ]
        SandboxLedgerRecord.objects.bulk_create(ledger, batch_size=store.BATCH)
        if self.fill_cache:
            rows = [store.cache_row(row, self.moment) for row in ledger]
            SandboxCacheRecord.objects.bulk_create(rows, batch_size=store.BATCH)

    def _copy(self) -> None:
        company_id = self.company.pk
        ledger_sql = (
            f"COPY {SandboxLedgerRecord._meta.db_table} (company_id, data_type, record_id, data,"
            " is_deleted, version, cached_version, source_modified_date) FROM STDIN"
        )
        cache_sql = (
            f"COPY {SandboxCacheRecord._meta.db_table} (company_id, data_type, record_id, data,"
            " is_deleted, ledger_version, modified_date) FROM STDIN"
        )
        texts = [dumps(data) for _t, data, _m, _d in self.rows]
        cached = 1 if self.fill_cache else 0
        with connection.cursor() as cursor:
            with cursor.cursor.copy(ledger_sql) as copy:
                for (data_type, data, modified, deleted), text in zip(
                    self.rows, texts, strict=True
                ):
                    row = (company_id, data_type, data["id"], text, deleted, 1, cached, modified)
                    copy.write_row(row)
            if not self.fill_cache:
                return
            with cursor.cursor.copy(cache_sql) as copy:
                for (data_type, data, _modified, deleted), text in zip(
                    self.rows, texts, strict=True
                ):
                    if deleted:
                        text = dumps(store.cache_data(data, deleted, self.moment))
                    else:
                        # Splice the cache's fields onto the ledger JSON instead of re-encoding it.
                        text = (
                            f'{text[:-1]},"modifiedDate":"{self.stamp}",'
                            '"metadata":{"isDeleted":false}}'
                        )
                    copy.write_row(
                        (company_id, data_type, data["id"], text, deleted, 1, self.moment)
                    )
