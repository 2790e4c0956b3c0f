import re
import time
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from billpay.sandbox import generator, seeding
from billpay.sandbox.models import (
    SandboxCacheRecord,
    SandboxConnection,
    SandboxDataset,
    SandboxLedgerRecord,
)

SANDBOX = Path(__file__).resolve().parents[2] / "billpay" / "sandbox"


def _books(company) -> dict:
    rows = SandboxLedgerRecord.objects.filter(company=company).order_by("data_type", "record_id")
    return {
        (r.data_type, r.record_id): {k: v for k, v in r.data.items() if k != "sourceModifiedDate"}
        for r in rows
    }


def test_the_same_seed_gives_the_same_books(db, clock):
    first = seeding.seed_company(name="A", bills=60, seed=11).company
    second = seeding.seed_company(name="B", bills=60, seed=11).company
    third = seeding.seed_company(name="C", bills=60, seed=12).company
    books_a, books_b = _books(first), _books(second)
    books_a.pop(("company", "info"))
    books_b.pop(("company", "info"))
    assert books_a == books_b
    assert _books(third) != _books(first)


def test_seeded_books_are_realistic(db, clock):
    seeded = seeding.seed_company(name="Real", bills=300, seed=2)
    bills = [
        r.data
        for r in SandboxLedgerRecord.objects.filter(company=seeded.company, data_type="bills")
    ]
    statuses = {b["status"] for b in bills}
    assert {"Open", "Paid", "PartiallyPaid", "Draft", "Void"} <= statuses
    assert {b["currency"] for b in bills} >= {"USD", "GBP", "EUR"}
    assert all(1 <= len(b["lineItems"]) <= 5 for b in bills)
    assert all(b["subTotal"] + b["taxAmount"] == b["totalAmount"] for b in bills)
    today = clock.now.date().isoformat()
    assert any(b["dueDate"][:10] < today and b["amountDue"] > 0 for b in bills)  # overdue
    assert any(b["dueDate"][:10] > today for b in bills)
    partial = [b for b in bills if b["status"] == "PartiallyPaid"]
    assert all(0 < b["amountDue"] < b["totalAmount"] and b["paymentAllocations"] for b in partial)
    payment_ids = {a["payment"]["id"] for b in bills for a in b["paymentAllocations"]}
    recorded = set(
        SandboxLedgerRecord.objects.filter(
            company=seeded.company, data_type="billPayments"
        ).values_list("record_id", flat=True)
    )
    assert payment_ids == recorded
    assert SandboxLedgerRecord.objects.filter(company=seeded.company, is_deleted=True).exists()
    supplier = (
        SandboxLedgerRecord.objects.filter(company=seeded.company, data_type="suppliers")
        .first()
        .data
    )
    assert supplier["supplierName"] and supplier["addresses"][0]["city"]


def test_seed_fills_the_cache_and_completes_the_datasets(db, clock):
    seeded = seeding.seed_company(name="Synced", bills=50, seed=3)
    ledger = SandboxLedgerRecord.objects.filter(company=seeded.company).count()
    assert SandboxCacheRecord.objects.filter(company=seeded.company).count() == ledger
    assert seeded.connection.status == SandboxConnection.Status.LINKED
    statuses = set(
        SandboxDataset.objects.filter(company=seeded.company).values_list("status", flat=True)
    )
    assert statuses == {"Complete"}


def test_a_few_hundred_bills_seed_quickly(db, clock):
    started = time.monotonic()
    books = seeding.seed_company(name="Quick", bills=500, seed=4).books
    assert time.monotonic() - started < 10
    assert books.bills == 500


def test_the_command_prints_the_ids(db):
    out = StringIO()
    call_command(
        "sandbox_seed",
        "--company-name",
        "Cmd Co",
        "--bills",
        "25",
        "--suppliers",
        "6",
        "--seed",
        "9",
        "--platform",
        "gbol",
        stdout=out,
    )
    text = out.getvalue()
    company_id = re.search(r"company_id=(\S+)", text).group(1)
    connection_id = re.search(r"connection_id=(\S+)", text).group(1)
    connection = SandboxConnection.objects.get(pk=connection_id)
    assert str(connection.company_id) == company_id
    assert connection.platform_key == "gbol"
    assert (
        SandboxLedgerRecord.objects.filter(company_id=company_id, data_type="suppliers").count()
        == 6
    )


def test_generator_is_callable_as_a_function(db, clock):
    company = seeding.companies.company_create(name="Direct")
    books = generator.generate_books(
        company, generator.Profile("zzzz", "Other", "GBP", ("GBP",)), bills=10, fill_cache=False
    )
    assert books.bills == 10
    assert not SandboxCacheRecord.objects.filter(company=company).exists()


def test_the_sandbox_imports_no_other_billpay_module_and_none_imports_it():
    imports = re.compile(r"^\s*(?:from|import)\s+(billpay\.[\w.]+)", re.MULTILINE)
    for path in SANDBOX.rglob("*.py"):
        for module in imports.findall(path.read_text()):
            assert module.startswith("billpay.sandbox"), f"{path} imports {module}"
    for path in SANDBOX.parent.rglob("*.py"):
        if SANDBOX in path.parents or path.name == "settings.py":
            continue
        assert "billpay.sandbox" not in "".join(imports.findall(path.read_text())), path
