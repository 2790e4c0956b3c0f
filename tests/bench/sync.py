"""Sync benchmarks: a first sync of 10,000 bills against the floor, and a no-op incremental sync."""

import base64
import json
from decimal import Decimal

import requests

from tests.bench.harness import BASE, report, timer

BILLS, SUPPLIERS, LINES = 10_000, 500, 2


def _linked_company(name: str, bills: int):
    from billpay.onboarding.models import AccountingConnection, Company
    from billpay.sandbox.seeding import seed_company

    seeded = seed_company(
        name=name, bills=bills, suppliers=SUPPLIERS, seed=11, lines_per_bill=LINES
    )
    company = Company.objects.create(
        name=name, base_currency="USD", country="US", codat_company_id=str(seeded.company.pk)
    )
    AccountingConnection.objects.create(
        company=company,
        codat_connection_id=str(seeded.connection.pk),
        platform_key="qhyg",
        platform_name="QuickBooks Online",
        status=AccountingConnection.Status.LINKED,
    )
    return company


def _sync(company, full: bool = False):
    from billpay.bills.models import SyncRun
    from billpay.bills.services import sync_run_queue
    from billpay.bills.tasks import bills_sync_task

    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.COMMAND, full=full)
    with timer() as t:
        bills_sync_task.apply(kwargs={"run_id": run.pk}, throw=True)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    return t["s"], run


def _fetch_floor(codat_company_id: str, page_size: int) -> tuple[float, dict[str, list]]:
    """A bare requests loop fetching and decoding the same pages, without the app."""
    session = requests.Session()
    session.headers["Authorization"] = "Basic " + base64.b64encode(b"sandbox-key").decode()
    records: dict[str, list] = {}
    with timer() as t:
        for data_type in ("suppliers", "taxRates", "accounts", "bills", "billCreditNotes"):
            page, records[data_type] = 1, []
            while True:
                url = f"{BASE}/sandbox/api/companies/{codat_company_id}/data/{data_type}"
                body = json.loads(
                    session.get(url, params={"page": page, "pageSize": page_size}).content,
                    parse_float=Decimal,
                )
                records[data_type] += body["results"]
                if page * page_size >= body["totalResults"]:
                    break
                page += 1
    return t["s"], records


def _copy_floor(records: dict[str, list]) -> float:
    """psycopg COPY of the same rows (bills, their lines, suppliers) into scratch tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.connection
        for table in ("bills_bill", "bills_billline", "bills_supplier"):
            # Same column types, no constraints beyond them: a plain scratch copy.
            cursor.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cursor.execute(f"CREATE TEMP TABLE floor_{table} AS SELECT * FROM {table} WITH NO DATA")
        with timer() as t, raw.cursor() as cur:
            with cur.copy(
                "COPY floor_bills_supplier (id, company_id, codat_supplier_id, name, contact_name, email, phone, tax_number, default_currency, status, addresses, modified_date, is_deleted, raw, synced_at) FROM STDIN"
            ) as copy:
                for n, s in enumerate(records["suppliers"]):
                    copy.write_row(
                        (
                            n,
                            1,
                            s["id"],
                            s.get("supplierName") or "",
                            s.get("contactName") or "",
                            s.get("emailAddress") or "",
                            s.get("phone") or "",
                            s.get("taxNumber") or "",
                            s.get("defaultCurrency") or "",
                            s.get("status") or "",
                            json.dumps(s.get("addresses"), default=str),
                            s.get("modifiedDate"),
                            False,
                            json.dumps(s, default=str),
                            s.get("modifiedDate"),
                        )
                    )
            with cur.copy(
                "COPY floor_bills_bill (id, company_id, codat_bill_id, codat_supplier_id, supplier_name, reference, issue_date, due_date, currency, sub_total, tax_amount, total_amount, amount_due, codat_status, note, search_text, review_status, review_reason, modified_date, is_deleted, raw, synced_at) FROM STDIN"
            ) as copy:
                for n, b in enumerate(records["bills"]):
                    ref = b.get("supplierRef") or {}
                    copy.write_row(
                        (
                            n,
                            1,
                            b["id"],
                            ref.get("id", ""),
                            ref.get("supplierName", ""),
                            b.get("reference") or "",
                            (b.get("issueDate") or "")[:10] or None,
                            (b.get("dueDate") or "")[:10] or None,
                            b.get("currency"),
                            b.get("subTotal") or 0,
                            b.get("taxAmount") or 0,
                            b.get("totalAmount") or 0,
                            b.get("amountDue") or 0,
                            b.get("status") or "",
                            b.get("note") or "",
                            "",
                            "pending",
                            "",
                            b.get("modifiedDate"),
                            bool((b.get("metadata") or {}).get("isDeleted")),
                            json.dumps(b, default=str),
                            b.get("modifiedDate"),
                        )
                    )
            with cur.copy(
                "COPY floor_bills_billline (id, company_id, bill_id, position, description, quantity, unit_amount, sub_total, tax_amount, total_amount, codat_account_id, account_name, codat_tax_rate_id, tax_rate_name) FROM STDIN"
            ) as copy:
                n = 0
                for bill_number, b in enumerate(records["bills"]):
                    for position, line in enumerate(b.get("lineItems") or [], start=1):
                        n += 1
                        account, tax = line.get("accountRef") or {}, line.get("taxRateRef") or {}
                        copy.write_row(
                            (
                                n,
                                1,
                                bill_number,
                                position,
                                line.get("description") or "",
                                line.get("quantity") or 1,
                                line.get("unitAmount") or 0,
                                line.get("subTotal"),
                                line.get("taxAmount"),
                                line.get("totalAmount"),
                                account.get("id", ""),
                                account.get("name", ""),
                                tax.get("id", ""),
                                tax.get("name", ""),
                            )
                        )
    return t["s"]


def _an_hour_passes(company) -> None:
    """Move the books' and our sync state's timestamps an hour back: the next sync runs "later".

    Right after a first sync every record is younger than the sync's 5-minute overlap window and
    would be read again; on a real schedule (every 15 minutes) nothing is.
    """
    from datetime import timedelta

    from django.db.models import F

    from billpay.bills.models import SyncState
    from billpay.sandbox.models import SandboxCacheRecord

    hour = timedelta(hours=1)
    SandboxCacheRecord.objects.filter(company_id=company.codat_company_id).update(
        modified_date=F("modified_date") - hour
    )
    SyncState.objects.filter(company=company).update(watermark=F("watermark") - hour)


def _client_reads(codat_company_id: str) -> None:
    """Reading the 10,000 bills through our client, at several page sizes."""
    from billpay.codat import get_codat_client

    for page_size in (100, 1000, 2000, 5000):
        with get_codat_client() as client, timer() as t:
            count = sum(
                1 for _ in client.list_bills(company_id=codat_company_id, page_size=page_size)
            )
        report(f"client_read_{count}_bills_page_{page_size}_s", t["s"])


def run() -> None:
    from django.conf import settings

    company = _linked_company("Bench Sync Ltd", BILLS)
    page_size = settings.CODAT_SYNC_PAGE_SIZE
    fetch_s, records = _fetch_floor(company.codat_company_id, page_size)
    copy_s = _copy_floor(records)
    sync_s, run_full = _sync(company)
    floor_s = fetch_s + copy_s
    report("sync_page_size", page_size)
    report("sync_floor_fetch_s", fetch_s)
    report("sync_floor_copy_s", copy_s)
    report("sync_floor_s", floor_s)
    report("sync_full_s", sync_s, floor=floor_s)
    report("sync_full_bills_per_s", BILLS / sync_s)
    report("sync_full_floor_ratio", sync_s / floor_s, "<= 2.5")
    _client_reads(company.codat_company_id)
    _an_hour_passes(company)
    noop_s, run_noop = _sync(company)
    report("sync_noop_s", noop_s, "<= 0.5")
    report("sync_noop_api_calls", run_noop.api_calls, "<= 4 (one per data type)")
    assert run_full.counts["bills"]["created"] == len(
        [b for b in records["bills"] if not (b.get("metadata") or {}).get("isDeleted")]
    )
