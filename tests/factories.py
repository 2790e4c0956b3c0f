"""One factory per model. Amounts are Decimal strings; related rows stay in one company."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from billpay.bills.models import Bill, BillLine, CreditNote, Supplier
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.models import AccountingConnection, Company, Membership, User
from billpay.pushes.services import adapter_for

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password(TEST_PASSWORD)


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Faker("company")
    base_currency = "USD"
    country = "US"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.OWNER


class AccountingConnectionFactory(DjangoModelFactory):
    class Meta:
        model = AccountingConnection

    company = factory.SubFactory(CompanyFactory)
    codat_connection_id = factory.Faker("uuid4")
    platform_key = "qhyg"
    platform_name = "QuickBooks Online"
    status = AccountingConnection.Status.LINKED


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = Supplier

    company = factory.SubFactory(CompanyFactory)
    codat_supplier_id = factory.Sequence(lambda n: f"sup-{n}")
    name = factory.Faker("company")
    email = factory.Faker("company_email")
    default_currency = "USD"
    status = "Active"


class BillFactory(DjangoModelFactory):
    """An open bill, due in two weeks, of a supplier of the same company."""

    class Meta:
        model = Bill

    company = factory.SubFactory(CompanyFactory)
    supplier = factory.SubFactory(SupplierFactory, company=factory.SelfAttribute("..company"))
    codat_bill_id = factory.Sequence(lambda n: f"bill-{n}")
    codat_supplier_id = factory.LazyAttribute(
        lambda o: o.supplier.codat_supplier_id if o.supplier else ""
    )
    supplier_name = factory.LazyAttribute(lambda o: o.supplier.name if o.supplier else "")
    reference = factory.Sequence(lambda n: f"INV-{1000 + n}")
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    currency = "USD"
    sub_total = Decimal("100.00")
    tax_amount = Decimal("20.00")
    total_amount = Decimal("120.00")
    amount_due = factory.LazyAttribute(lambda o: o.total_amount)
    codat_status = "Open"
    modified_date = factory.LazyFunction(timezone.now)
    search_text = factory.LazyAttribute(lambda o: f"{o.supplier_name} {o.reference}".lower())


class CreditNoteFactory(DjangoModelFactory):
    """A supplier's credit note in the books, its credit not used yet."""

    class Meta:
        model = CreditNote

    company = factory.SubFactory(CompanyFactory)
    supplier = factory.SubFactory(SupplierFactory, company=factory.SelfAttribute("..company"))
    codat_id = factory.Sequence(lambda n: f"credit-note-{n}")
    codat_supplier_id = factory.LazyAttribute(
        lambda o: o.supplier.codat_supplier_id if o.supplier else ""
    )
    supplier_name = factory.LazyAttribute(lambda o: o.supplier.name if o.supplier else "")
    number = factory.Sequence(lambda n: f"CN-{1000 + n}")
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=5))
    currency = "USD"
    sub_total = Decimal("50.00")
    tax_amount = Decimal("0.00")
    total_amount = Decimal("50.00")
    remaining_credit = factory.LazyAttribute(lambda o: o.total_amount)
    status = "Submitted"
    modified_date = factory.LazyFunction(timezone.now)


class BillLineFactory(DjangoModelFactory):
    class Meta:
        model = BillLine

    bill = factory.SubFactory(BillFactory)
    company = factory.SelfAttribute("bill.company")
    position = factory.Sequence(lambda n: n + 1)
    description = factory.Faker("sentence", nb_words=4)
    quantity = Decimal("1")
    unit_amount = Decimal("100.00")
    total_amount = Decimal("120.00")


class LedgerAccountFactory(DjangoModelFactory):
    class Meta:
        model = LedgerAccount

    company = factory.SubFactory(CompanyFactory)
    codat_account_id = factory.Sequence(lambda n: f"acc-{n}")
    name = factory.Sequence(lambda n: f"Checking {n}")
    account_type = "Asset"
    status = "Active"
    currency = "USD"
    current_balance = Decimal("25000.00")
    is_bank_account = True


# --- issue 6 ---
class AccountMappingFactory(DjangoModelFactory):
    class Meta:
        model = "mapping.AccountMapping"

    company = factory.SubFactory(CompanyFactory)
    method = "bank_transfer"
    currency = "USD"
    account = factory.SubFactory(
        LedgerAccountFactory,
        company=factory.SelfAttribute("..company"),
        currency=factory.SelfAttribute("..currency"),
    )


class PushFactory(DjangoModelFactory):
    """A write to the books (queued unless told); `kind` must be a registered adapter's."""

    class Meta:
        model = "pushes.Push"

    company = factory.SubFactory(CompanyFactory)
    kind = "payment"
    data_type = factory.LazyAttribute(lambda o: adapter_for(o.kind).data_type)
    status = "queued"


# --- issue 5 ---
# Bills and suppliers created here and written to the books: rows, form data, and a driver that
# runs the writes (and the syncs they ask for) the way the Celery worker would.


class TaxRateFactory(DjangoModelFactory):
    class Meta:
        model = "bills.TaxRate"

    company = factory.SubFactory(CompanyFactory)
    codat_tax_rate_id = factory.Sequence(lambda n: f"tax-{n}")
    name = factory.Sequence(lambda n: f"Tax {n}")
    effective_tax_rate = Decimal("20")
    status = "Active"


class ExpenseAccountFactory(LedgerAccountFactory):
    codat_account_id = factory.Sequence(lambda n: f"exp-{n}")
    name = factory.Sequence(lambda n: f"Office costs {n}")
    account_type = "Expense"
    current_balance = Decimal("0")
    is_bank_account = False


class LedgerWriteFactory(DjangoModelFactory):
    """A new bill's write to the books; its push's fields as `push__status=…`, `push__kind=…`."""

    class Meta:
        model = "bills.LedgerWrite"

    company = factory.SubFactory(CompanyFactory)
    bill = factory.SubFactory(BillFactory, company=factory.SelfAttribute("..company"))
    push = factory.SubFactory(
        PushFactory, company=factory.SelfAttribute("..company"), kind="bill.create"
    )


def bill_form_data(*, supplier, account, tax_rate=None, key=None, lines=None, **fields) -> dict:
    """POST data for the new-bill form: one line of 2 × 50.00 unless `lines` says otherwise."""
    import uuid

    lines = lines or [{"description": "Flour", "quantity": "2", "unit_amount": "50.00"}]
    data = {
        "submission_key": str(key or uuid.uuid4()),
        "supplier": str(supplier.pk) if supplier else "",
        "reference": "INV-5001",
        "issue_date": "2026-11-01",
        "due_date": "2026-12-01",
        "currency": "USD",
        "note": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
    }
    for i, line in enumerate(lines):
        data[f"lines-{i}-description"] = line.get("description", "")
        data[f"lines-{i}-quantity"] = line.get("quantity", "1")
        data[f"lines-{i}-unit_amount"] = line.get("unit_amount", "")
        data[f"lines-{i}-account"] = str(line.get("account", account).pk) if account else ""
        rate = line.get("tax_rate", tax_rate)
        data[f"lines-{i}-tax_rate"] = str(rate.pk) if rate else ""
    data.update(fields)
    return data


def drain_writes(company, *, rounds: int = 20) -> None:
    """Advance every unfinished write of the company, then run the syncs they requested (the
    worker's job: the tasks' scheduled follow-ups are run here at once)."""
    from billpay.bills.models import SyncRun
    from billpay.bills.services.sync import bills_sync
    from billpay.pushes.models import Push
    from billpay.pushes.services import push_advance

    for _ in range(rounds):
        active = list(
            Push.objects.filter(company=company, status__in=Push.ACTIVE, ledger_write__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not active:
            break
        for pk in active:
            push_advance(push_id=pk)
    for run in SyncRun.objects.filter(company=company, status__in=SyncRun.ACTIVE):
        bills_sync(run_id=run.pk)


PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- issue 13: payments as rows, for the overview and the forecast ---
class PaymentFactory(DjangoModelFactory):
    """A payment scheduled from a USD bank account of the same company."""

    class Meta:
        model = "payments.Payment"

    company = factory.SubFactory(CompanyFactory)
    reference = factory.Sequence(lambda n: f"BP-{n:06d}")
    codat_supplier_id = "sup-paid"
    supplier_name = factory.Faker("company")
    method = "bank_transfer"
    account = factory.SubFactory(LedgerAccountFactory, company=factory.SelfAttribute("..company"))
    codat_account_id = factory.LazyAttribute(lambda o: o.account.codat_account_id)
    currency = factory.LazyAttribute(lambda o: o.account.currency)
    total_amount = Decimal("100.00")
    payment_date = factory.LazyFunction(timezone.localdate)
    status = "scheduled"


class PaymentAllocationFactory(DjangoModelFactory):
    """The part of `payment` that pays `bill` (the whole payment unless told)."""

    class Meta:
        model = "payments.PaymentAllocation"

    payment = factory.SubFactory(PaymentFactory)
    company = factory.SelfAttribute("payment.company")
    bill = factory.SubFactory(BillFactory, company=factory.SelfAttribute("..company"))
    codat_bill_id = factory.LazyAttribute(lambda o: o.bill.codat_bill_id)
    amount = factory.LazyAttribute(lambda o: o.payment.total_amount)
    currency = factory.LazyAttribute(lambda o: o.bill.currency)
    amount_due_before = factory.LazyAttribute(lambda o: o.bill.amount_due)
