"""A supplier's credit notes in the browser: the supplier's page with the credit available, a
new credit note typed in and sent to the books, at desktop and phone size (screenshots under
var/e2e/, axe-core with no serious violation)."""

import pytest
from playwright.sync_api import expect

from billpay.bills.models import CreditNote, Supplier
from billpay.bills.selectors import credit_notes_available
from tests.e2e.conftest import OWNER
from tests.e2e.journey import log_in
from tests.factories import TEST_PASSWORD, CreditNoteFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_supplier_page_shows_its_credit_and_a_new_credit_note_reaches_the_books(
    books, new_page, audit
):
    company = books.company
    supplier = (
        Supplier.objects.filter(company=company, status="Active", default_currency="USD")
        .order_by("name")
        .first()
    )
    CreditNoteFactory(
        company=company,
        supplier=supplier,
        codat_id="cn-shown",
        number="CN-DEMO-1",
        status="PartiallyPaid",
        remaining_credit="12.50",
    )
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto("/suppliers/")
    page.get_by_role("link", name="Details and credit notes").first.click()
    page.goto(f"/suppliers/{supplier.pk}/")
    expect(page.locator("h1")).to_contain_text(supplier.name)
    expect(page.get_by_text("CN-DEMO-1")).to_be_visible()
    audit(page, "supplier page")

    page.get_by_role("link", name="New credit note").click()
    audit(page, "new credit note")
    page.get_by_label("Credit note number").fill("CN-BROWSER-1")
    page.get_by_label("Description, line 1").fill("Returned sacks")
    page.get_by_label("Expense account, line 1").select_option(index=1)
    page.get_by_label("Unit price, line 1").fill("42.00")
    page.get_by_role("button", name="Create and send to QuickBooks Online").click()

    expect(page).to_have_url(f"{page.url.split('/suppliers/')[0]}/suppliers/{supplier.pk}/")
    note = CreditNote.objects.get(company=company, number="CN-BROWSER-1")
    assert note.total_amount == 42
    page.reload()
    expect(page.get_by_text("CN-BROWSER-1")).to_be_visible()
    audit(page, "supplier page after a new credit note")
    note.refresh_from_db()
    assert note.push_state == "in_books", note.push_error
    assert note in credit_notes_available(company, supplier_id=supplier.pk)
    audit.assert_clean()
