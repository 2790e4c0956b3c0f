"""Recurring bills in a real browser: set one up with the live preview of its dates, see its page
(desktop and phone, axe), and the bill it makes on schedule lands in the sandbox's books."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billpay.bills.models import Supplier
from billpay.mapping.models import LedgerAccount
from billpay.recurring.models import RecurringBill, RecurringOccurrence
from billpay.recurring.services import recurring_run
from billpay.sandbox.models import SandboxLedgerRecord
from tests.e2e.conftest import OWNER
from tests.e2e.journey import log_in, sandbox_company
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_setting_up_a_recurring_bill_with_its_dates_and_its_first_bill(books, new_page, audit):
    company = books.company
    supplier = Supplier.objects.filter(company=company, status="Active").order_by("name").first()
    account = LedgerAccount.objects.filter(
        company=company, is_bank_account=False, account_type="Expense"
    ).first()
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.get_by_role("link", name="Recurring bills").first.click()
    expect(page.get_by_role("heading", name="Recurring bills")).to_be_visible()
    page.get_by_role("link", name="New recurring bill").click()
    page.locator("#id_supplier").select_option(str(supplier.pk))
    page.locator("#id_reference").fill("RENT")
    page.locator("#id_lines-0-description").fill("Workshop rent")
    page.locator("#id_lines-0-account").select_option(str(account.pk))
    page.locator("#id_lines-0-unit_amount").fill("1200")
    page.locator("#id_frequency").select_option("weekly")
    page.locator("#id_payment_method").select_option("bank_transfer")
    page.locator("#id_payment_offset_days").fill("-2")
    page.locator("#id_payment_offset_days").blur()

    preview = page.locator("#recurring-preview")
    expect(preview).to_contain_text("Payment date")  # the live preview followed the form
    expect(preview.locator("tbody tr")).to_have_count(12)
    audit(page, "new recurring bill")
    page.get_by_role("button", name="Save the recurring bill").click()

    expect(page).to_have_url(re.compile(r"/recurring/\d+/$"))
    expect(page.get_by_role("heading", name=re.compile("Recurring bill from"))).to_be_visible()
    expect(page.locator("#recurring-preview tbody tr")).to_have_count(12)
    template = RecurringBill.objects.get(company=company)
    today = timezone.localdate()
    recurring_run(company=company)  # the morning's beat (its writes run eagerly here)
    page.reload()
    expect(page.get_by_role("link", name=f"RENT {today.isoformat()}")).to_be_visible()
    audit(page, "recurring bill")
    assert RecurringOccurrence.objects.get(template=template).state == "created"
    ledger = [
        r
        for r in SandboxLedgerRecord.objects.filter(
            company=sandbox_company(company), data_type="bills", is_deleted=False
        )
        if r.data.get("reference") == f"RENT {today.isoformat()}"
    ]
    assert len(ledger) == 1

    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".badge").first).to_have_text("Paused")
    page.get_by_role("link", name="All recurring bills").click()
    expect(page.get_by_role("row").filter(has_text=supplier.name)).to_contain_text("Paused")
    audit(page, "recurring bills")
    audit.assert_clean()
