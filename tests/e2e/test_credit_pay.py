"""Issue 16 in a real browser: paying a bill with part of a supplier credit note and some cash.
The review page says the credit and the cash; once recorded (QuickBooks books: the credit first
as a bill payment of its own, then the cash) the bill's amount due drops by credit + cash."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billpay.bills.models import CreditNote, SyncRun
from billpay.bills.services import bills_sync, sync_run_queue
from billpay.core.templatetags.money import money as shown
from billpay.mapping.services import account_mapping_save
from billpay.payments.models import Payment
from billpay.sandbox import store
from tests.conftest import link_to_sandbox
from tests.e2e.journey import assert_fits_width, ledger, log_in, pay_plan, sandbox_company
from tests.factories import TEST_PASSWORD, CompanyFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OWNER = "carla@example.com"


@pytest.fixture
def books(app_server, browser):
    company = CompanyFactory(name="Credit Corner")
    owner = MembershipFactory(company=company, user__email=OWNER).user
    link_to_sandbox(company, bills=30, seed=7)
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.MANUAL)
    bills_sync(run_id=run.pk)
    plan = pay_plan(company)
    account_mapping_save(
        company=company,
        actor=owner,
        method="bank_transfer",
        currency=plan.account.currency,
        account=plan.account,
    )
    bill = plan.partial
    issued = timezone.localdate() - timedelta(days=20)
    # The supplier's credit note in the books, and mirrored as a sync of credit notes leaves it.
    store.ledger_put(
        sandbox_company(company),
        "billCreditNotes",
        "CN-E2E",
        {
            "billCreditNoteNumber": "CN-E2E",
            "supplierRef": {"id": bill.codat_supplier_id},
            "totalAmount": Decimal("40.00"),
            "subTotal": Decimal("40.00"),
            "totalTaxAmount": Decimal("0"),
            "remainingCredit": Decimal("40.00"),
            "status": "Submitted",
            "issueDate": f"{issued.isoformat()}T00:00:00",
            "currency": bill.currency,
            "lineItems": [],
        },
    )
    CreditNote.objects.create(
        company=company,
        codat_id="CN-E2E",
        supplier=bill.supplier,
        codat_supplier_id=bill.codat_supplier_id,
        supplier_name=bill.supplier_name,
        number="CN-E2E",
        issue_date=issued,
        currency=bill.currency,
        total_amount=Decimal("40.00"),
        remaining_credit=Decimal("40.00"),
        status="Submitted",
        modified_date=timezone.now() - timedelta(days=1),
    )
    return company, bill


def test_applying_a_credit_note_while_paying_lowers_the_amount_due_by_credit_and_cash(
    books, new_page
):
    company, bill = books
    due = bill.amount_due
    credit, cash = Decimal("15.00"), Decimal("10.00")
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto(f"/payments/new/?bill={bill.pk}")
    credits = page.locator("#pay-credits")
    expect(credits).to_contain_text("CN-E2E")
    expect(credits).to_contain_text(shown(Decimal("40.00"), bill.currency))
    page.get_by_label(f"Amount for {bill.reference}").fill(str(credit + cash))
    page.get_by_label("Credit to use from CN-E2E").fill("not money")
    page.get_by_role("button", name="Review payment").click()
    expect(credits.locator(".errorlist")).to_be_visible()  # hostile input: said inline
    page.get_by_label("Credit to use from CN-E2E").fill(str(credit))
    page.get_by_role("button", name="Review payment").click()
    expect(page).to_have_url(re.compile(r"/payments/\d+/$"))

    summary = page.locator("#payment-summary")
    expect(summary).to_contain_text(
        f"Credit notes from this supplier cover {shown(credit, bill.currency)}; "
        f"{shown(cash, bill.currency)} is left to pay from the account."
    )
    expect(summary).to_contain_text("CN-E2E")
    page.screenshot(path="/tmp/credit-pay-review.png", full_page=True)
    page.get_by_role(
        "button", name=f"Record {shown(cash, bill.currency)} payment in your books"
    ).click()
    expect(page.locator("#payment-status")).to_contain_text("Verified in your books")
    expect(page.locator("#payment-status")).to_contain_text("Credit note applied in your books")
    payment = Payment.objects.get(company=company)
    assert (payment.total_amount, payment.credit_amount) == (cash, credit)

    page.goto(f"/bills/{bill.pk}/")
    left = shown(due - credit - cash, bill.currency)
    expect(page.locator("main")).to_contain_text(f"{left} of")
    assert ledger(company, "bills", bill.codat_bill_id)["amountDue"] == due - credit - cash
    assert ledger(company, "billCreditNotes", "CN-E2E")["remainingCredit"] == Decimal("25.00")


def test_the_credit_section_fits_a_phone(books, new_page):
    _company, bill = books
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, OWNER, TEST_PASSWORD)
    page.goto(f"/payments/new/?bill={bill.pk}")
    expect(page.locator("#pay-credits")).to_contain_text("CN-E2E")
    page.screenshot(path="/tmp/credit-pay-phone.png", full_page=True)
    assert_fits_width(page)
