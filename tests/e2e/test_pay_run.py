"""Issue 13, point 3 in a real browser: tick six bills of three suppliers in the inbox → one pay
run → three bill payments in the books, verified; every run page audited (axe, desktop and phone
screenshots) and driven from the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from billpay.bills.models import TO_PAY, Bill, SyncRun
from billpay.bills.services import bills_sync, sync_run_queue
from billpay.core.templatetags.money import money as shown
from billpay.mapping.models import LedgerAccount
from billpay.mapping.selectors import account_kind, account_usable
from billpay.mapping.services import account_mapping_save
from billpay.payments.models import Payment
from billpay.runs.models import PayRun
from billpay.sandbox.models import SandboxLedgerRecord
from tests.conftest import link_to_sandbox
from tests.e2e.journey import log_in, sandbox_company
from tests.factories import TEST_PASSWORD, CompanyFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OWNER = "rosa@example.com"


def _six_bills(company) -> tuple[list[Bill], LedgerAccount]:
    """Two payable bills of each of three suppliers, in a currency a bank account can pay."""
    accounts = [
        a
        for a in LedgerAccount.objects.filter(company=company).order_by("pk")
        if account_usable(a) and account_kind(a) == "Debit"
    ]
    payable = Bill.objects.filter(TO_PAY, company=company).exclude(codat_supplier_id="")
    for account in accounts:
        by_supplier: dict[str, list[Bill]] = {}
        for bill in payable.filter(currency=account.currency).order_by("due_date", "pk"):
            if bill.is_in_books and bill.amount_due > 0:
                by_supplier.setdefault(bill.codat_supplier_id, []).append(bill)
        pairs = [bills[:2] for bills in by_supplier.values() if len(bills) >= 2]
        if len(pairs) >= 3:
            return [bill for pair in pairs[:3] for bill in pair], account
    raise AssertionError("the generated books have no three suppliers with two payable bills")


@pytest.fixture
def run_books(app_server, browser):
    company = CompanyFactory(name="Harbour Lane Florist")
    owner = MembershipFactory(company=company, user__email=OWNER).user
    link_to_sandbox(company, bills=60, seed=7)
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.MANUAL)
    bills_sync(run_id=run.pk)
    bills, account = _six_bills(company)
    account_mapping_save(
        company=company,
        actor=owner,
        method="bank_transfer",
        currency=account.currency,
        account=account,
    )
    return company, bills, account


def test_six_bills_of_three_suppliers_become_one_run_and_three_verified_payments(
    run_books, new_page, audit
):
    company, bills, account = run_books
    currency = account.currency
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto(f"/bills/?view=all&currency={currency}")
    for bill in bills:
        box = page.locator(f'input[name="bill"][value="{bill.pk}"]')
        box.focus()
        page.keyboard.press("Space")  # the keyboard ticks a box
        expect(box).to_be_checked()
    expect(page.locator("[data-selection-count]")).to_have_text("6 bills selected")
    page.get_by_role("button", name="Pay selected").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.get_by_role("heading", name="Check and pay this run")).to_be_visible()
    summary = page.locator("#run-summary")
    total = sum((b.amount_due for b in bills), start=bills[0].amount_due * 0)
    for words in ("3 payments", "6 bills", shown(total, currency), "BillPay does not move money"):
        expect(summary).to_contain_text(words)
    expect(page.locator(".rungroup")).to_have_count(3)
    for bill in bills:
        expect(page.locator(".rungroup").filter(has_text=bill.supplier_name)).to_contain_text(
            bill.reference or "No reference"
        )
    expect(page.locator(".rungroup").first).to_contain_text(account.name)
    audit(page, "pay run review")

    confirm = page.get_by_role("button", name=re.compile(r"^Record 3 payments in your books"))
    confirm.focus()
    page.keyboard.press("Enter")

    progress = page.locator("#run-progress")
    expect(progress).to_contain_text("3 verified in your books")
    expect(progress).to_contain_text("All done.")
    audit(page, "pay run progress")
    run = PayRun.objects.get(company=company)
    assert run.status == PayRun.Status.DONE
    payments = list(Payment.objects.filter(run_group__run=run))
    assert {p.status for p in payments} == {Payment.Status.VERIFIED}
    records = SandboxLedgerRecord.objects.filter(
        company=sandbox_company(company), data_type="billPayments", is_deleted=False
    )
    ours = [r.data for r in records if r.data.get("reference") in {p.reference for p in payments}]
    assert len(ours) == 3
    assert sorted(len(r["lines"]) for r in ours) == [2, 2, 2]
    assert {r["supplierRef"]["id"] for r in ours} == {b.codat_supplier_id for b in bills}

    page.get_by_role("link", name="← All pay runs").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Pay runs")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=f"Pay run {run.pk}")).to_contain_text("Done")
    audit(page, "pay runs")
    audit.assert_clean()
