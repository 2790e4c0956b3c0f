"""The upsert into the mirror: keyed by (company, Codat id), remote fields only.

Rows whose modifiedDate and deletion did not change are skipped (a full sync rewrites them), and
the review state and other local fields are never in an update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from billpay.bills.models import Bill, CreditNote, Supplier, TaxRate
from billpay.bills.services import bulk
from billpay.bills.services.sync.checks import row_problem
from billpay.bills.services.sync.common import TypeCounts, aware
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.models import Company

if TYPE_CHECKING:
    from billpay.codat import schemas

    MirroredRecord = (
        schemas.Supplier | schemas.TaxRate | schemas.Account | schemas.Bill | schemas.BillCreditNote
    )


def upsert(
    model: type[models.Model],
    key: str,
    company: Company,
    rows: list,
    counts: TypeCounts,
    full: bool,
) -> list:
    """Insert or update rows in one statement; returns the rows that were written."""
    unique = {getattr(r, key): r for r in rows}  # a record twice in one batch: keep the last
    existing = {
        k: (modified, deleted)
        for k, modified, deleted in model.objects.filter(
            company=company, **{f"{key}__in": list(unique)}
        ).values_list(key, "modified_date", "is_deleted")
    }
    changed = []
    for code, row in unique.items():
        before = existing.get(code)
        if before is None:
            if row.is_deleted:
                continue  # deleted before we ever saw it
            counts.created += 1
        elif not full and before == (row.modified_date, row.is_deleted):
            counts.unchanged += 1
            continue
        elif row.is_deleted and not before[1]:
            counts.deleted += 1
        else:
            counts.updated += 1
        changed.append(row)
    bulk.upsert(
        model,
        changed,
        unique_fields=["company", key],
        update_fields=[f for f in UPDATE_FIELDS[model] if f != key],
    )
    return changed


def keep(rows: list, records: list, skipped: list[tuple[str, str]]) -> list:
    """The rows whose record our columns can hold; the others go to `skipped` with why."""
    kept = []
    for row, record in zip(rows, records, strict=True):
        problem = row_problem(row, record.raw)
        if problem:
            skipped.append((record.id, problem))
        else:
            kept.append(row)
    return kept


def mirror(record: MirroredRecord) -> dict:
    """The fields every mirrored row takes from its record: modifiedDate, deletion, raw JSON."""
    return {
        "modified_date": aware(record.modified_date) if record.modified_date else None,
        "is_deleted": bool(record.is_deleted),
        "raw": dict(record.raw),
    }


# Remote fields only: the review state and other local fields are never in an upsert.
_MIRROR_FIELDS = ["modified_date", "is_deleted", "raw", "synced_at"]
UPDATE_FIELDS = {
    Supplier: [
        "name",
        "contact_name",
        "email",
        "phone",
        "tax_number",
        "default_currency",
        "status",
        "addresses",
        *_MIRROR_FIELDS,
    ],
    TaxRate: ["name", "code", "effective_tax_rate", "status", *_MIRROR_FIELDS],
    LedgerAccount: [
        "name",
        "nominal_code",
        "fully_qualified_name",
        "fully_qualified_category",
        "account_type",
        "status",
        "currency",
        "current_balance",
        "is_bank_account",
        *_MIRROR_FIELDS,
    ],
    Bill: [
        "supplier",
        "codat_supplier_id",
        "supplier_name",
        "reference",
        "issue_date",
        "due_date",
        "currency",
        "currency_rate",
        "sub_total",
        "tax_amount",
        "total_amount",
        "amount_due",
        "codat_status",
        "note",
        "search_text",
        *_MIRROR_FIELDS,
    ],
    CreditNote: [
        "supplier",
        "codat_supplier_id",
        "supplier_name",
        "number",
        "issue_date",
        "currency",
        "currency_rate",
        "sub_total",
        "tax_amount",
        "total_amount",
        "remaining_credit",
        "status",
        "note",
        "source_modified_date",
        *_MIRROR_FIELDS,
    ],
}
