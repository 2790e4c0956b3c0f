"""The sandbox under concurrent requests, as gunicorn's threads and workers send them.

Both races here made the short chaos run flaky: a 429 burst that never ended (every request a
429 until its key expired, ~200 of them, payments left unfinished) and two pushes applied at
once that got the same QuickBooks-style id (a verified payment missing from the books).
"""

import threading
from contextlib import suppress
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection

from billpay.sandbox import faults, pushes, store
from billpay.sandbox.models import SandboxCompany, SandboxLedgerRecord, SandboxPushOperation

THREADS = 16


def _at_once(target, n: int) -> list:
    """Run `target()` in n threads released together; their results, in no particular order."""
    start = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(target())
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_a_burst_taken_by_many_requests_at_once_refuses_exactly_its_length(seeded):
    """Each 429 of a burst goes to one request, however many arrive together, and it ends.

    A read-then-decrement let two requests take the burst's last 429 and leave the counter
    below zero, which read as a burst that never ends."""
    SandboxCompany.objects.filter(pk=seeded.company.pk).update(
        fault_429_rate=Decimal("0"), fault_error_rate=Decimal("0"), fault_latency_ms=1
    )
    company = SandboxCompany.objects.get(pk=seeded.company.pk)
    for _ in range(20):
        cache.set(f"sandbox:fault:burst:{company.pk}", 2, 300)  # a burst of 3, one 429 given

        decisions = _at_once(lambda: faults.decide(company, is_write=False), THREADS)

        assert sum(d.status == 429 for d in decisions) == 2
        assert faults.decide(company, is_write=False).status is None  # over, not stuck


def _bill_payment(bill: dict, account: dict, reference: str) -> dict:
    amount = Decimal(str(bill["amountDue"]))
    return {
        "supplierRef": {"id": bill["supplierRef"]["id"]},
        "accountRef": {"id": account["id"]},
        "totalAmount": amount,
        "currency": bill["currency"],
        "date": "2026-11-20T00:00:00",
        "reference": reference,
        "lines": [
            {"amount": amount, "links": [{"type": "Bill", "id": bill["id"], "amount": -amount}]}
        ],
    }


def _open_usd_bills(seeded, n: int) -> list[dict]:
    bills = []
    rows = SandboxLedgerRecord.objects.filter(
        company=seeded.company, data_type="bills", is_deleted=False
    ).order_by("pk")
    for bill in (row.data for row in rows):
        supplier = store.ledger_get(seeded.company, "suppliers", bill["supplierRef"]["id"]) or {}
        if (
            bill.get("status") == "Open"
            and bill.get("currency") == "USD"
            and Decimal(str(bill["amountDue"])) > 0
            and supplier.get("status") == "Active"
        ):
            bills.append(bill)
        if len(bills) == n:
            return bills
    raise AssertionError("not enough open USD bills")


def _usd_bank_account(seeded) -> dict:
    rows = SandboxLedgerRecord.objects.filter(
        company=seeded.company, data_type="chartOfAccounts", is_deleted=False
    ).order_by("pk")
    for account in (row.data for row in rows):
        if (
            account.get("isBankAccount")
            and account.get("currency") == "USD"
            and account.get("status") == "Active"
        ):
            return account
    raise AssertionError("no active USD bank account")


@pytest.mark.django_db(transaction=True)
def test_pushes_applied_by_two_requests_at_once_get_records_of_their_own(
    seeded, settings, monkeypatch
):
    """Two requests applying two due pushes at the same moment: two bill payments in the books.

    Both used to number their record "records so far + 1001" before either had written it, and
    the second write replaced the first bill payment (its payment verified, yet not in the books).
    """
    settings.SANDBOX_PUSH_DELAY_SECONDS = 0
    first_bill, second_bill = _open_usd_bills(seeded, 2)
    account = _usd_bank_account(seeded)
    numbering, together = threading.Event(), threading.Barrier(2)
    count = store.ledger_ids

    def ledger_ids(company, data_type):
        n = count(company, data_type)
        numbering.set()
        with suppress(threading.BrokenBarrierError):
            together.wait(timeout=10)  # the other request numbers its record now, if it may
        return n

    monkeypatch.setattr(store, "ledger_ids", ledger_ids)

    def push(bill: dict, reference: str) -> SandboxPushOperation:
        return pushes.push_create(
            connection=seeded.connection,
            data_type="billPayments",
            kind="Create",
            body=_bill_payment(bill, account, reference),
        )

    def apply() -> None:
        try:
            pushes.advance_pushes(seeded.company)
        finally:
            connection.close()

    first = push(first_bill, "BP-FIRST")
    applying_first = threading.Thread(target=apply)
    applying_first.start()
    assert numbering.wait(timeout=10)  # the first request is numbering the first payment
    second = push(second_bill, "BP-SECOND")
    applying_second = threading.Thread(target=apply)
    applying_second.start()
    applying_second.join(timeout=10)
    together.abort()  # the first request goes on alone if the second did not join it
    applying_first.join(timeout=10)
    pushes.advance_pushes(seeded.company)  # the next request applies whatever is still due

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("Success", "Success")
    assert first.record_id != second.record_id
    references = dict(
        SandboxLedgerRecord.objects.filter(
            company=seeded.company,
            data_type="billPayments",
            record_id__in=[first.record_id, second.record_id],
        ).values_list("record_id", "data__reference")
    )
    assert references == {first.record_id: "BP-FIRST", second.record_id: "BP-SECOND"}
    for bill in (first_bill, second_bill):
        assert Decimal(str(store.ledger_get(seeded.company, "bills", bill["id"])["amountDue"])) == 0
