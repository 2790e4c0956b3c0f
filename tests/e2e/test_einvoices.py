"""Issue 17 in a real browser: a Factur-X PDF (made by the `factur-x` library, its supplier one of
the company's) uploaded through the file input becomes a draft in the queue, which is confirmed
into a bill that lands in the books (the sandbox over HTTP) with the PDF attached."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billpay.bills.models import Bill, Supplier
from billpay.inbound import samples
from billpay.inbound.models import Draft
from billpay.sandbox.models import SandboxAttachment
from tests.e2e.conftest import OWNER
from tests.e2e.journey import ledger, log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_uploaded_e_invoice_is_checked_in_the_queue_and_confirmed_into_a_bill(
    books, new_page, audit, tmp_path
):
    supplier = (
        Supplier.objects.filter(company=books.company, is_deleted=False).order_by("name").first()
    )
    name, pdf = samples.facturx_invoice(
        supplier=samples.Company(supplier.name, street="1 Main Street", city="Springfield"),
        number="FX-E2E-1",
        currency=books.company.base_currency,
        items=(
            samples.Item("Croissants", Decimal(10), Decimal("1.50")),
            samples.Item("Baguettes", Decimal(25), Decimal("2.00")),
        ),
    )
    invoice = tmp_path / name
    invoice.write_bytes(pdf)
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto("/inbound/upload/")
    audit(page, "upload")
    page.locator('input[type="file"]').set_input_files(str(invoice))
    page.get_by_role("button", name="Read the files").click()
    expect(page.get_by_text("Draft ready")).to_be_visible()

    page.get_by_role("link", name="E-invoices to check").first.click()
    expect(page).to_have_url(re.compile(r"/inbound/$"))
    row = page.locator("table.drafts tbody tr").filter(has_text="FX-E2E-1")
    expect(row).to_contain_text(supplier.name)  # matched by name: the books' supplier
    audit(page, "queue")
    row.get_by_role("link").first.click()

    expect(page.get_by_role("heading", name="Check a bill")).to_be_visible()
    expect(page.locator("#id_reference")).to_have_value("FX-E2E-1")
    expect(page.get_by_text("Croissants").first).to_be_visible()
    for index in range(2):  # the books' expense account and no tax for each line
        page.locator(f"#id_lines-{index}-account").select_option(index=1)
        page.locator(f"#id_lines-{index}-tax_rate").select_option(index=0)
    audit(page, "draft")
    page.get_by_role("button", name=re.compile("Create and send to")).click()

    expect(page).to_have_url(re.compile(r"/bills/\d+/$"))
    expect(page.locator("#bill-push-state")).to_contain_text("In your books", timeout=30_000)
    expect(page.locator("#bill-attachments")).to_contain_text(name)
    bill = Bill.objects.get(company=books.company, reference="FX-E2E-1")
    assert bill.supplier == supplier and bill.lines.count() == 2
    assert bill.total_amount == Decimal("65.00")
    assert Draft.objects.get(company=books.company, reference="FX-E2E-1").bill == bill

    in_books = ledger(books.company, "bills", bill.codat_bill_id)
    assert in_books["reference"] == "FX-E2E-1"
    assert in_books["supplierRef"]["id"] == supplier.codat_supplier_id
    (attachment,) = SandboxAttachment.objects.filter(bill_id=bill.codat_bill_id)
    assert attachment.name == name and bytes(attachment.content) == pdf
    audit.assert_clean()
