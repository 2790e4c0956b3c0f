"""Credit notes applied while paying, written back against the sandbox over real HTTP.

QuickBooks (the default linked company) needs the credit in a bill payment of its own
(`totalAmount: 0`) before the cash one; Xero one such payment per (bill, credit note); NetSuite
takes both in one. Each bill payment lands exactly once, a lost response on each included.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billpay.bills.models import CreditNote
from billpay.mapping.models import AccountMapping, LedgerAccount
from billpay.payments.errors import AmountNotAvailable, PaymentInvalid
from billpay.payments.models import Payment, PaymentCredit
from billpay.payments.services import payment_confirm, payment_retry, payment_verify
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from billpay.sandbox import store
from billpay.sandbox.models import SandboxLedgerRecord, SandboxPushOperation
from tests.conftest import link_to_sandbox, sync_books
from tests.factories import CompanyFactory, MembershipFactory
from tests.payments.conftest import open_bills, owner, prepare

pytestmark = pytest.mark.django_db(transaction=True)
S = Payment.Status
D = Decimal


def credit_note(company, bill, credit, number="CN-1", *, currency=None) -> CreditNote:
    """A credit note of the bill's supplier in the books, and its mirror (as a sync leaves it)."""
    currency = currency or bill.currency
    issued = timezone.localdate() - timedelta(days=30)
    store.ledger_put(
        company.seeded.company,
        "billCreditNotes",
        number,
        {
            "billCreditNoteNumber": number,
            "supplierRef": {"id": bill.codat_supplier_id},
            "totalAmount": D(credit),
            "subTotal": D(credit),
            "totalTaxAmount": D("0"),
            "remainingCredit": D(credit),
            "status": "Submitted",
            "issueDate": f"{issued.isoformat()}T00:00:00",
            "currency": currency,
            "lineItems": [],
        },
    )
    return CreditNote.objects.create(
        company=company,
        codat_id=number,
        supplier=bill.supplier,
        codat_supplier_id=bill.codat_supplier_id,
        supplier_name=bill.supplier_name,
        number=number,
        issue_date=issued,
        currency=currency,
        total_amount=D(credit),
        remaining_credit=D(credit),
        status="Submitted",
        modified_date=timezone.now() - timedelta(days=1),
    )


def ledger(company, data_type, record_id):
    return store.ledger_get(company.seeded.company, data_type, record_id)


def ledger_payments(company, prefix):
    rows = SandboxLedgerRecord.objects.filter(
        company=company.seeded.company, data_type="billPayments", is_deleted=False
    )
    return sorted(
        (r.data for r in rows if str(r.data.get("reference", "")).startswith(prefix)),
        key=lambda d: d["reference"],
    )


def pushes_of(payment) -> list[Push]:
    """The payment's pushes, credit-only ones first (the order they go in)."""
    ids = set(
        PaymentCredit.objects.filter(payment=payment, step__gte=0).values_list("push", flat=True)
    )
    return [*Push.objects.filter(pk__in=ids - {None}).order_by("pk"), payment.push]


def drive(payment: Payment, *, steps: int = 16) -> Payment:
    """Run the pushes and the verify service the way the tasks would, until it settles."""
    for _ in range(steps):
        payment = Payment.objects.select_related("push").get(pk=payment.pk)
        if payment.status == S.SENDING:
            for push in pushes_of(payment):
                push.refresh_from_db()
                if push.is_active:
                    push_advance(push_id=push.pk)
        elif payment.status == S.PENDING:
            payment_verify(payment_id=payment.pk)
        else:
            break
    return Payment.objects.select_related("push").get(pk=payment.pk)


def confirm(company, payment) -> Payment:
    payment_confirm(company=company, actor=owner(company), payment_id=payment.pk)
    return Payment.objects.select_related("push").get(pk=payment.pk)


def test_quickbooks_applies_the_credit_first_then_pays_the_rest_in_cash(books):
    [bill] = open_bills(books)
    due = bill.amount_due
    note = credit_note(books, bill, "25.00")
    payment = prepare(books, owner(books), [bill], credits={note.pk: D("25.00")})
    assert (payment.total_amount, payment.credit_amount) == (due - D("25.00"), D("25.00"))

    payment = drive(confirm(books, payment))

    assert payment.status == S.VERIFIED, payment.status_reason
    cash, credit_only = ledger_payments(books, payment.reference)
    assert credit_only["reference"] == payment.reference + "C"
    assert credit_only["totalAmount"] == 0 and "accountRef" not in credit_only
    assert credit_only["lines"] == [
        {
            "amount": 0,
            "links": [
                {"type": "Bill", "id": bill.codat_bill_id, "amount": -25},
                {"type": "CreditNote", "id": "CN-1", "amount": 25},
            ],
        }
    ]
    assert D(cash["totalAmount"]) == due - D("25.00")
    assert cash["lines"][0]["links"] == [
        {"type": "Bill", "id": bill.codat_bill_id, "amount": -(due - D("25.00"))}
    ]
    assert ledger(books, "bills", bill.codat_bill_id)["amountDue"] == 0
    note_in_books = ledger(books, "billCreditNotes", "CN-1")
    assert (note_in_books["remainingCredit"], note_in_books["status"]) == (0, "Paid")
    bill.refresh_from_db()
    assert bill.amount_due == 0  # the mirror: credit + cash
    [credit] = payment.credits.all()
    assert credit.step == 0 and credit.push.status == Push.Status.SUCCEEDED
    assert credit.push != payment.push
    assert payment.events.filter(message="Credit note applied in your books").exists()


def test_a_payment_covered_by_credit_alone_is_one_bill_payment_and_moves_no_money(books):
    [bill] = open_bills(books)
    part = (bill.amount_due / 2).quantize(D("0.01"))
    note = credit_note(books, bill, "500.00")
    payment = prepare(books, owner(books), [bill], {bill.pk: part}, credits={note.pk: part})
    assert (payment.total_amount, payment.credit_amount) == (0, part)

    payment = drive(confirm(books, payment))

    assert payment.status == S.VERIFIED, payment.status_reason
    [written] = ledger_payments(books, payment.reference)
    assert written["totalAmount"] == 0 and "accountRef" not in written
    assert ledger(books, "billCreditNotes", "CN-1")["remainingCredit"] == D("500.00") - part
    assert payment.credits.get().push == payment.push


def test_the_credit_is_held_while_the_payment_is_on_its_way(books):
    first, second = open_bills(books, count=2)
    note = credit_note(books, first, "30.00")
    prepare(books, owner(books), [first], credits={note.pk: D("20.00")})

    with pytest.raises(AmountNotAvailable, match="at most"):
        prepare(books, owner(books), [second], credits={note.pk: D("20.00")})
    again = prepare(books, owner(books), [second], credits={note.pk: D("10.00")})
    assert again.credit_amount == D("10.00")


def test_credit_of_another_currency_or_more_than_is_paid_is_refused(books):
    [bill] = open_bills(books)
    euro = credit_note(books, bill, "10.00", "CN-EUR", currency="EUR")
    with pytest.raises(PaymentInvalid, match="EUR"):
        prepare(books, owner(books), [bill], credits={euro.pk: D("5.00")})
    note = credit_note(books, bill, "1000000.00")
    with pytest.raises(AmountNotAvailable, match="more than this payment gives"):
        prepare(books, owner(books), [bill], credits={note.pk: bill.amount_due + 1})
    assert not Payment.objects.filter(company=books).exists()


def test_a_lost_response_on_each_bill_payment_still_writes_each_once(books, settings):
    [bill] = open_bills(books)
    note = credit_note(books, bill, "25.00")
    payment = confirm(books, prepare(books, owner(books), [bill], credits={note.pk: D("25.00")}))
    credit_push, cash_push = pushes_of(payment)

    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=cash_push.pk)  # waits for the credit: nothing sent
    assert SandboxPushOperation.objects.count() == 0
    push_advance(push_id=credit_push.pk)  # applied, the answer lost
    credit_push.refresh_from_db()
    assert credit_push.status == Push.Status.CHECKING
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    push_advance(push_id=credit_push.pk)  # looked up in the books: found, not resent
    credit_push.refresh_from_db()
    assert credit_push.status in (Push.Status.SENT, Push.Status.SUCCEEDED, Push.Status.CHECKING)
    for _ in range(4):
        credit_push.refresh_from_db()
        if credit_push.status != Push.Status.SUCCEEDED:
            push_advance(push_id=credit_push.pk)
    credit_push.refresh_from_db()
    assert credit_push.status == Push.Status.SUCCEEDED

    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "1"
    push_advance(push_id=cash_push.pk)  # the cash: applied, the answer lost
    settings.SANDBOX_FAULT_LOST_RESPONSE_RATE = "0"
    cash_push.refresh_from_db()
    assert cash_push.status == Push.Status.CHECKING

    payment = drive(payment)

    assert payment.status == S.VERIFIED, payment.status_reason
    assert [p["reference"] for p in ledger_payments(books, payment.reference)] == [
        payment.reference,
        payment.reference + "C",
    ]
    assert SandboxPushOperation.objects.filter(data_type="billPayments").count() == 2
    assert ledger(books, "bills", bill.codat_bill_id)["amountDue"] == 0
    assert ledger(books, "billCreditNotes", "CN-1")["remainingCredit"] == 0


def test_a_refused_credit_fails_the_payment_and_the_cash_is_never_sent(books):
    [bill] = open_bills(books)
    note = credit_note(books, bill, "25.00")
    payment = prepare(books, owner(books), [bill], credits={note.pk: D("25.00")})
    # The credit is used elsewhere in the books before ours lands.
    data = ledger(books, "billCreditNotes", "CN-1")
    store.ledger_put(
        books.seeded.company, "billCreditNotes", "CN-1", data | {"remainingCredit": D("5.00")}
    )

    payment = drive(confirm(books, payment))

    assert payment.status == S.FAILED
    assert "credit note" in payment.status_reason and "remainingCredit" in payment.status_reason
    assert ledger_payments(books, payment.reference) == []
    assert payment.push.status == Push.Status.FAILED
    assert SandboxPushOperation.objects.filter(data_type="billPayments").count() == 1

    # Put right in the books, a retry sends the credit again (a new push), then the cash.
    store.ledger_put(
        books.seeded.company, "billCreditNotes", "CN-1", data | {"remainingCredit": D("25.00")}
    )
    payment_retry(company=books, actor=owner(books), payment_id=payment.pk)
    payment = drive(payment)
    assert payment.status == S.VERIFIED, payment.status_reason
    assert len(ledger_payments(books, payment.reference)) == 2


def test_a_retry_after_the_cash_failed_keeps_the_credit_already_in_the_books(books):
    [bill] = open_bills(books)
    note = credit_note(books, bill, "25.00")
    payment = confirm(books, prepare(books, owner(books), [bill], credits={note.pk: D("25.00")}))
    credit_push, cash_push = pushes_of(payment)
    for _ in range(4):
        push_advance(push_id=credit_push.pk)
    credit_push.refresh_from_db()
    assert credit_push.status == Push.Status.SUCCEEDED
    # The bank account is archived in the books before the cash lands: refused.
    account_id = payment.codat_account_id
    account = ledger(books, "chartOfAccounts", account_id)
    store.ledger_put(
        books.seeded.company, "chartOfAccounts", account_id, account | {"status": "Archived"}
    )

    payment = drive(payment)

    assert payment.status == S.FAILED and "archived" in payment.status_reason
    assert [p["reference"] for p in ledger_payments(books, payment.reference)] == [
        payment.reference + "C"
    ]

    store.ledger_put(books.seeded.company, "chartOfAccounts", account_id, account)
    payment_retry(company=books, actor=owner(books), payment_id=payment.pk)
    payment = drive(payment)

    assert payment.status == S.VERIFIED, payment.status_reason
    assert [p["reference"] for p in ledger_payments(books, payment.reference)] == [
        payment.reference,
        payment.reference + "C",
    ]
    assert payment.credits.get().push == credit_push  # not written twice
    assert SandboxPushOperation.objects.filter(data_type="billPayments").count() == 3
    assert ledger(books, "bills", bill.codat_bill_id)["amountDue"] == 0


@pytest.fixture
def other_books(sandbox, transactional_db, enqueued, request):
    """A company linked to sandbox books of another platform (`request.param`), mirrored, its
    base-currency bank account mapped to bank transfers."""
    key, currency = request.param
    company = CompanyFactory(name="Beta Books", base_currency=currency)
    MembershipFactory(company=company, user__email="bob@example.com")
    company.seeded = link_to_sandbox(company, platform_key=key, bills=20, seed=3)
    sync_books(company)
    account = LedgerAccount.objects.filter(
        company=company, is_bank_account=True, currency=currency, status="Active"
    ).first()
    AccountMapping.objects.create(
        company=company, method="bank_transfer", currency=currency, account=account
    )
    company.currency = currency
    return company


@pytest.mark.parametrize("other_books", [("akxx", "USD")], indirect=True)
def test_netsuite_takes_the_credit_and_the_cash_in_one_bill_payment(other_books):
    books = other_books
    [bill] = open_bills(books, currency=books.currency)
    note = credit_note(books, bill, "10.00")
    payment = drive(
        confirm(books, prepare(books, owner(books), [bill], credits={note.pk: D("10.00")}))
    )

    assert payment.status == S.VERIFIED, payment.status_reason
    [written] = ledger_payments(books, payment.reference)
    assert D(written["totalAmount"]) == bill.amount_due - D("10.00")
    assert written["lines"][0]["links"] == [
        {"type": "Bill", "id": bill.codat_bill_id, "amount": -bill.amount_due},
        {"type": "CreditNote", "id": "CN-1", "amount": 10},
    ]
    assert ledger(books, "billCreditNotes", "CN-1")["remainingCredit"] == 0


@pytest.mark.parametrize("other_books", [("gbol", "GBP")], indirect=True)
def test_xero_gets_one_credit_payment_per_note_then_the_cash(other_books):
    books = other_books
    [bill] = open_bills(books, currency=books.currency)
    first = credit_note(books, bill, "4.00", "CN-A")
    second = credit_note(books, bill, "6.00", "CN-B")
    payment = prepare(
        books, owner(books), [bill], credits={first.pk: D("4.00"), second.pk: D("6.00")}
    )
    payment = drive(confirm(books, payment))

    assert payment.status == S.VERIFIED, payment.status_reason
    written = ledger_payments(books, payment.reference)
    assert [p["reference"] for p in written] == [
        payment.reference,
        payment.reference + "C1",
        payment.reference + "C2",
    ]
    assert [len(p["lines"]) for p in written] == [1, 1, 1]
    assert ledger(books, "bills", bill.codat_bill_id)["amountDue"] == 0
    assert ledger(books, "billCreditNotes", "CN-A")["remainingCredit"] == 0
    assert ledger(books, "billCreditNotes", "CN-B")["remainingCredit"] == 0


def test_ten_payments_racing_for_one_credit_note_use_it_once(books):
    from tests.payments.test_concurrency import run_in_threads

    bills = open_bills(books, count=2)
    note = credit_note(books, bills[0], "20.00")
    user = owner(books)

    def submit(i):
        bill = bills[i % 2]
        return prepare(books, user, [bill], {bill.pk: D("15.00")}, credits={note.pk: D("15.00")})

    results, errors = run_in_threads(10, submit)

    assert len(results) == 1
    assert len(errors) == 9 and all(isinstance(e, PaymentInvalid) for e in errors)
    assert sum(c.amount for c in PaymentCredit.objects.all()) == D("15.00")
