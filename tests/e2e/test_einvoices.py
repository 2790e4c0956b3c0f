"""Issue 17 in a real browser: an e-invoice uploaded through the file input becomes a draft in
the queue, which is confirmed into a bill sent to the books (the sandbox), its file attached.

The readers are another part of the issue: `einvoice.parse` is replaced by one that reads this
test's file as a two-line invoice from one of the company's suppliers.
"""

import re
from unittest import mock

import pytest
from playwright.sync_api import expect

from billpay.bills.models import Bill, Supplier
from billpay.inbound.models import Draft
from tests.e2e.conftest import OWNER
from tests.e2e.journey import log_in
from tests.factories import TEST_PASSWORD
from tests.inbound.test_drafts import document

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_uploaded_e_invoice_is_checked_in_the_queue_and_confirmed_into_a_bill(
    books, new_page, audit, tmp_path
):
    supplier = (
        Supplier.objects.filter(company=books.company, is_deleted=False).order_by("name").first()
    )
    doc = document(number="FX-E2E-1", supplier=supplier.name, vat="")
    invoice = tmp_path / "fx-e2e-1.xml"
    invoice.write_bytes(b'<?xml version="1.0"?><Invoice/>')
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    with mock.patch("billpay.inbound.einvoice.parse", return_value=doc):
        page.goto("/inbound/upload/")
        audit(page, "upload")
        page.locator('input[type="file"]').set_input_files(str(invoice))
        page.get_by_role("button", name="Read the files").click()
        expect(page.get_by_text("Draft ready")).to_be_visible()

    page.get_by_role("link", name="E-invoices to check").first.click()
    expect(page).to_have_url(re.compile(r"/inbound/$"))
    row = page.locator("table.drafts tbody tr").filter(has_text="FX-E2E-1")
    expect(row).to_contain_text(supplier.name)
    audit(page, "queue")
    row.get_by_role("link").first.click()

    expect(page.get_by_role("heading", name="Check a bill")).to_be_visible()
    expect(page.locator("#id_reference")).to_have_value("FX-E2E-1")
    expect(page.get_by_text("Croissants").first).to_be_visible()
    for index in range(2):  # the books' expense account for each line
        page.locator(f"#id_lines-{index}-account").select_option(index=1)
    audit(page, "draft")
    page.get_by_role("button", name=re.compile("Create and send to")).click()

    expect(page).to_have_url(re.compile(r"/bills/\d+/$"))
    expect(page.get_by_text("FX-E2E-1").first).to_be_visible()
    bill = Bill.objects.get(company=books.company, reference="FX-E2E-1")
    assert bill.supplier == supplier and bill.lines.count() == 2
    assert bill.uploads.count() == 1
    assert Draft.objects.get(company=books.company, reference="FX-E2E-1").bill == bill
    audit.assert_clean()
