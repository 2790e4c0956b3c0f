"""Deterministic, realistic books for a sandbox company: from a 50-bill demo to 100,000 bills."""

# Everything is built in memory from one random.Random(seed) and written in batches by
# bulkload.BulkWriter (COPY on PostgreSQL, bulk_create elsewhere; no per-row queries), so
# 100,000 bills load in about 15 seconds on PostgreSQL.

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction

from billpay.sandbox import clock
from billpay.sandbox.bill_dates import bill_dates, bill_kind
from billpay.sandbox.bulkload import BulkWriter
from billpay.sandbox.jsonutil import iso
from billpay.sandbox.models import SandboxCacheRecord, SandboxCompany, SandboxLedgerRecord
from billpay.sandbox.profiles import Profile
from billpay.sandbox.sample_data import (
    CATEGORIES,
    CITIES,
    CITIES_BY_CURRENCY,
    FIRST,
    SECOND,
    STREETS,
    SUFFIXES,
    SUFFIXES_BY_CURRENCY,
    TAX_RATES,
    TERMS,
)

CENT = Decimal("0.01")
FOREIGN = ("USD", "GBP", "EUR")
RATES = {"USD": Decimal("1.27"), "GBP": Decimal("1"), "EUR": Decimal("1.17")}  # per GBP


@dataclass(frozen=True)
class Books:
    """Counts of what was generated."""

    suppliers: int
    bills: int
    bill_payments: int
    accounts: int
    credit_notes: int = 0


class _Ids:
    """Ids in the platform's style, deterministic for a seed."""

    def __init__(self, rng: random.Random, numeric: bool):
        self.rng, self.numeric, self.counters = rng, numeric, {}

    def next(self, data_type: str) -> str:
        self.counters[data_type] = self.counters.get(data_type, 0) + 1
        if self.numeric:
            return str(self.counters[data_type])
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _day(value: date) -> str:
    return f"{value.isoformat()}T00:00:00"


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) * CENT


def _rate(base: str, currency: str) -> Decimal:
    """Foreign units per base unit, as Codat's currencyRate."""
    return (RATES[currency] / RATES.get(base, Decimal("1"))).quantize(Decimal("0.000001"))


def generate_books(
    company: SandboxCompany,
    profile: Profile,
    *,
    bills: int = 150,
    suppliers: int | None = None,
    seed: int = 1,
    fill_cache: bool = True,
    lines_per_bill: int | None = None,
) -> Books:
    """Fill an empty company's ledger (and, if asked, the cache) with deterministic books."""
    rng = random.Random(seed)
    ids = _Ids(rng, profile.id_style == "numeric")
    now = clock.now()
    today = now.date()
    base = profile.base_currency
    suppliers = suppliers or max(5, min(bills // 8, 2000))
    writer = BulkWriter(company, now, fill_cache)
    with transaction.atomic():
        SandboxCompany.objects.filter(pk=company.pk).update(base_currency=base)
        company.base_currency = base
        _company_info(writer, company, profile, now)
        taxes = _tax_rates(writer, ids, base, now)
        expense, banks = _accounts(writer, ids, rng, profile, now)
        _payment_methods(writer, ids, now)
        supplier_rows = _suppliers(writer, ids, rng, suppliers, base, now)
        payments = _bills(
            writer,
            ids,
            rng,
            bills,
            supplier_rows,
            expense,
            taxes,
            banks,
            base,
            today,
            lines_per_bill,
        )
        credit_notes = 0
        if profile.supports("billCreditNotes"):
            # Their own random stream: the bills of a seed stay what they always were.
            notes_rng = random.Random(f"{seed}:billCreditNotes")
            credit_notes = _credit_notes(
                writer,
                _Ids(notes_rng, profile.id_style == "numeric"),
                notes_rng,
                credit_note_count(bills),
                supplier_rows,
                expense,
                taxes,
                base,
                today,
            )
        writer.flush()
    return Books(
        suppliers=suppliers,
        bills=bills,
        bill_payments=payments,
        accounts=len(expense) + len(banks) + 1,
        credit_notes=credit_notes,
    )


def credit_note_count(bills: int) -> int:
    """A few demo credit notes: one per 25 bills, at least 3, at most 400."""
    return max(3, min(bills // 25, 400))


def analyze() -> None:
    """Refresh PostgreSQL's statistics after a bulk load, so its plans fit the new row counts."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (SandboxLedgerRecord, SandboxCacheRecord):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _company_info(writer, company, profile: Profile, now: datetime) -> None:
    writer.add(
        "company",
        {
            "id": "info",
            "companyName": company.name,
            "companyLegalName": f"{company.name} Ltd",
            "accountingPlatformRef": profile.key,
            "baseCurrency": profile.base_currency,
            "financialYearStartDate": f"{now.year}-01-01T00:00:00",
            "ledgerLockDate": f"{now.year - 1}-12-31T00:00:00",
            "registrationNumber": "09876543",
            "taxNumber": "GB123456789",
            "addresses": [{"type": "Billing", "line1": "1 High Street", "city": "London"}],
            "phoneNumbers": [],
            "webLinks": [],
            "createdDate": iso(now - timedelta(days=900)),
        },
        now,
    )


def _tax_rates(writer, ids: _Ids, base: str, now: datetime) -> list[dict]:
    rows = []
    for name, code, rate in TAX_RATES.get(base, TAX_RATES["GBP"]):
        row = {
            "id": ids.next("taxRates"),
            "name": name,
            "code": code,
            "status": "Active",
            "effectiveTaxRate": rate,
            "totalTaxRate": rate,
            "components": [{"name": name, "rate": rate, "isCompound": False}],
        }
        writer.add("taxRates", row, now)
        rows.append(row)
    return rows


def _account(ids, code, name, category, currency, kind, bank=False, status="Active") -> dict:
    return {
        "id": ids.next("chartOfAccounts"),
        "nominalCode": code,
        "name": name,
        "description": name,
        "fullyQualifiedCategory": category,
        "fullyQualifiedName": f"{category}.{name}",
        "currency": currency,
        "currentBalance": Decimal("0.00"),
        "type": kind,
        "status": status,
        "isBankAccount": bank,
        "validDatatypeLinks": [],
    }


def _accounts(writer, ids, rng, profile: Profile, now) -> tuple[list[dict], dict[str, dict]]:
    base = profile.base_currency
    expense = [
        _account(ids, str(500 + n * 10), name, "Expense.Operating", base, "Expense")
        for n, (name, _items) in enumerate(CATEGORIES)
    ]
    ap = _account(ids, "800", "Accounts Payable", "Liability.Current.AP", base, "Liability")
    banks: dict[str, dict] = {}
    for n, currency in enumerate(dict.fromkeys((base, *FOREIGN))):
        banks[currency] = _account(
            ids,
            str(90 + n),
            f"Business Current ({currency})",
            "Asset.Current.Bank",
            currency,
            "Asset",
            bank=True,
        )
    card = _account(
        ids, "95", "Company Credit Card", "Liability.Current.CreditCard", base, "Liability", True
    )
    old = _account(
        ids, "99", "Old Savings (closed)", "Asset.Current.Bank", base, "Asset", True, "Archived"
    )
    for row in [*expense, ap, *banks.values(), card, old]:
        row["currentBalance"] = (
            _money(rng, 1000, 90000) if row["isBankAccount"] else Decimal("0.00")
        )
        writer.add("chartOfAccounts", row, now)
    return expense, {**banks, "card": card}


def _payment_methods(writer, ids, now) -> None:
    for name, kind in (("Cash", "Cash"), ("Cheque", "Check"), ("Bank transfer", "BankTransfer")):
        writer.add(
            "paymentMethods",
            {"id": ids.next("paymentMethods"), "name": name, "type": kind, "status": "Active"},
            now,
        )
    writer.add(
        "paymentMethods",
        {
            "id": ids.next("paymentMethods"),
            "name": "Card",
            "type": "CreditCard",
            "status": "Active",
        },
        now,
    )


def _suppliers(writer, ids, rng, count: int, base: str, now) -> list[dict]:
    rows = []
    for n in range(count):
        currency = base if rng.random() < 0.8 else rng.choice(FOREIGN)
        suffixes = SUFFIXES_BY_CURRENCY.get(currency, SUFFIXES)
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(suffixes)}"
        if n >= len(FIRST) * len(SECOND):
            name = f"{name} {n}"
        countries = CITIES_BY_CURRENCY.get(currency, ())
        city, region, country, postal = rng.choice(
            [c for c in CITIES if c[2] in countries] or CITIES
        )
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        row = {
            "id": ids.next("suppliers"),
            "supplierName": name,
            "contactName": f"{rng.choice(('Sam', 'Alex', 'Priya', 'Jo', 'Chen', 'Maria'))} "
            f"{rng.choice(('Smith', 'Okafor', 'Novak', 'Patel', 'Garcia', 'Lee'))}",
            "emailAddress": f"accounts@{slug}.example.com",
            "phone": f"+44 20 7{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "addresses": [
                {
                    "type": "Billing",
                    "line1": f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
                    "line2": None,
                    "city": city,
                    "region": region,
                    "country": country,
                    "postalCode": postal,
                }
            ],
            "registrationNumber": str(rng.randint(10_000_000, 99_999_999)),
            "taxNumber": f"GB{rng.randint(100_000_000, 999_999_999)}",
            "defaultCurrency": currency,
            "status": "Archived" if rng.random() < 0.03 else "Active",
        }
        writer.add("suppliers", row, now - timedelta(days=rng.randint(30, 700)))
        # The supplier's terms stay out of its record (Codat's Supplier has no such field): they
        # only set its bills' due dates.
        rows.append((row, rng.choice(TERMS)))
    return rows


def _lines(rng, count: int, expense, taxes) -> tuple[list[dict], Decimal, Decimal]:
    lines, sub_total, tax_total = [], Decimal("0.00"), Decimal("0.00")
    for number in range(1, count + 1):
        account_index = rng.randrange(len(expense))
        account = expense[account_index]
        tax = rng.choice(taxes)
        quantity = Decimal(rng.choice((1, 1, 1, 2, 3, 5, 10)))
        unit = _money(rng, 5, 1500)
        line_sub = unit * quantity
        line_tax = (line_sub * tax["effectiveTaxRate"] / 100).quantize(CENT)
        lines.append(
            {
                "lineNumber": str(number),
                "description": rng.choice(CATEGORIES[account_index][1]),
                "unitAmount": unit,
                "quantity": quantity,
                "subTotal": line_sub,
                "taxAmount": line_tax,
                "totalAmount": line_sub + line_tax,
                "accountRef": {"id": account["id"], "name": account["name"]},
                "taxRateRef": {
                    "id": tax["id"],
                    "name": tax["name"],
                    "effectiveTaxRate": tax["effectiveTaxRate"],
                },
            }
        )
        sub_total += line_sub
        tax_total += line_tax
    return lines, sub_total, tax_total


def _bills(
    writer, ids, rng, count, suppliers, expense, taxes, banks, base, today, lines_per_bill=None
) -> int:
    payments = 0
    for n in range(count):
        supplier, terms = rng.choice(suppliers)
        currency = supplier["defaultCurrency"]
        status, when = bill_kind(rng)
        issue, due = bill_dates(rng, when, terms, today)
        lines, sub_total, tax_total = _lines(
            rng, lines_per_bill or rng.randint(1, 5), expense, taxes
        )
        total = sub_total + tax_total
        bill = {
            "id": ids.next("bills"),
            "reference": f"INV-{rng.randint(1000, 99999)}-{n + 1}",
            "supplierRef": {"id": supplier["id"], "supplierName": supplier["supplierName"]},
            "purchaseOrderRefs": [],
            "issueDate": _day(issue),
            "dueDate": _day(due),
            "currency": currency,
            "currencyRate": _rate(base, currency),
            "lineItems": lines,
            "withholdingTax": [],
            "status": status,
            "subTotal": sub_total,
            "taxAmount": tax_total,
            "totalAmount": total,
            "amountDue": Decimal("0.00") if status == "Void" else total,
            "note": None,
            "paymentAllocations": [],
        }
        if status in ("Paid", "PartiallyPaid"):
            share = Decimal(1) if status == "Paid" else Decimal(rng.randint(15, 85)) / 100
            _pay(writer, ids, rng, bill, (total * share).quantize(CENT), banks, today)
            payments += 1
        deleted = rng.random() < 0.02
        writer.add("bills", bill, datetime.combine(issue, time(), tzinfo=UTC), deleted)
    return payments


# status -> share of the credit still to use (Paid: all of it used; Void: none usable)
_CREDIT_NOTE_KINDS = (
    ("Submitted", Decimal(1)),
    ("Submitted", Decimal(1)),
    ("PartiallyPaid", None),
    ("Paid", Decimal(0)),
    ("Void", Decimal(0)),
)


def _credit_notes(writer, ids, rng, count, suppliers, expense, taxes, base, today) -> int:
    """Supplier credit notes (BillCreditNote): open, partly used, used up or void."""
    active = [row for row in suppliers if row[0]["status"] == "Active"] or suppliers
    for n in range(count):
        supplier, _terms = rng.choice(active)
        currency = supplier["defaultCurrency"]
        status, share = rng.choice(_CREDIT_NOTE_KINDS)
        issue = today - timedelta(days=rng.randint(1, 200))
        lines, sub_total, tax_total = _lines(rng, rng.randint(1, 2), expense, taxes)
        for line in lines:
            line.pop("lineNumber", None)
        total = sub_total + tax_total
        if share is None:
            share = Decimal(rng.randint(20, 80)) / 100
        remaining = (total * share).quantize(CENT)
        note = {
            "id": ids.next("billCreditNotes"),
            "billCreditNoteNumber": f"CN-{rng.randint(100, 9999)}-{n + 1}",
            "supplierRef": {"id": supplier["id"], "supplierName": supplier["supplierName"]},
            "withholdingTax": [],
            "totalAmount": total,
            "totalDiscount": Decimal("0.00"),
            "subTotal": sub_total,
            "totalTaxAmount": tax_total,
            "discountPercentage": Decimal("0"),
            "remainingCredit": remaining,
            "status": status,
            "issueDate": _day(issue),
            "allocatedOnDate": _day(issue + timedelta(days=7)) if status == "Paid" else None,
            "currency": currency,
            "currencyRate": _rate(base, currency),
            "lineItems": lines,
            "paymentAllocations": [],
            "note": None,
        }
        deleted = rng.random() < 0.03
        writer.add("billCreditNotes", note, datetime.combine(issue, time(), tzinfo=UTC), deleted)
    return count


def _pay(writer, ids, rng, bill: dict, amount: Decimal, banks, today: date) -> None:
    bank = banks.get(bill["currency"]) or banks["card"]
    paid_on = min(_parse(bill["issueDate"]) + timedelta(days=rng.randint(1, 40)), today)
    payment = {
        "id": ids.next("billPayments"),
        "supplierRef": dict(bill["supplierRef"]),
        "accountRef": {"id": bank["id"], "name": bank["name"]},
        "totalAmount": amount,
        "currency": bill["currency"],
        "currencyRate": bill["currencyRate"],
        "date": _day(paid_on),
        "note": f"Payment for {bill['reference']}",
        "reference": f"PAY-{bill['reference']}"[:21],
        "lines": [
            {
                "amount": amount,
                "links": [{"type": "Bill", "id": bill["id"], "amount": -amount}],
                "allocatedOnDate": _day(paid_on),
            }
        ],
    }
    bill["amountDue"] = bill["totalAmount"] - amount
    bill["paymentAllocations"] = [
        {
            "payment": {
                "id": payment["id"],
                "note": payment["note"],
                "reference": payment["reference"],
                "accountRef": payment["accountRef"],
                "currency": payment["currency"],
                "currencyRate": payment["currencyRate"],
                "paidOnDate": payment["date"],
                "totalAmount": amount,
            },
            "allocation": {
                "currency": bill["currency"],
                "currencyRate": bill["currencyRate"],
                "allocatedOnDate": payment["date"],
                "totalAmount": amount,
            },
        }
    ]
    writer.add("billPayments", payment, datetime.combine(paid_on, time(), tzinfo=UTC))


def _parse(value: str) -> date:
    return date.fromisoformat(value[:10])
