"""Issue 7, point 1, continued: the journey's key pages on a phone, the pay flow by keyboard only,
and a label for every form field a person can see.

These start from books already connected and synced (set up through the services, as the journey
test covers doing it in the browser), so each test goes straight to what it checks.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from billpay.payments.models import Payment
from tests.e2e.conftest import OWNER, PHONE
from tests.e2e.journey import (
    assert_fits_width,
    assert_in_view,
    ledger,
    log_in,
    money,
    unlabelled_fields,
)
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _payment_on(page: Page) -> Payment:
    return Payment.objects.get(pk=int(re.search(r"/payments/(\d+)/", page.url).group(1)))


def test_the_key_pages_fit_a_phone(books, new_page):
    page = new_page(viewport=PHONE)
    log_in(page, OWNER, TEST_PASSWORD)
    first, second = books.plan.pair

    page.goto("/bills/")
    expect(page.locator("#bill-table tbody tr").first).to_be_visible()
    assert_fits_width(page)
    page.locator(f'input[name="bill"][value="{first.pk}"]').check()  # the actions show once ticked
    assert_in_view(page, page.get_by_role("button", name="Pay selected"))
    assert_in_view(page, page.get_by_role("link", name="New bill"))
    assert_in_view(page, page.get_by_label("Search", exact=True))

    page.goto(f"/bills/{first.pk}/")
    assert_fits_width(page)
    assert_in_view(page, page.get_by_role("link", name="Pay", exact=True))
    assert_in_view(page, page.get_by_role("button", name="Approve"))

    page.goto(f"/payments/new/?bill={first.pk}&bill={second.pk}")
    assert_fits_width(page)
    assert_in_view(page, page.get_by_label("Pay by"))
    review = page.get_by_role("button", name="Review payment")
    review.scroll_into_view_if_needed()
    assert_in_view(page, review)
    review.click()

    expect(page).to_have_url(re.compile(r"/payments/\d+/$"))
    assert_fits_width(page)
    confirm = page.get_by_role("button", name=re.compile("^Record .* in your books"))
    assert_in_view(page, confirm)
    confirm.click()
    expect(page.locator("#payment-status")).to_contain_text("Verified in your books")
    assert_fits_width(page)
    payment = _payment_on(page)

    page.goto("/payments/")
    assert_fits_width(page)
    expect(page.get_by_role("link", name=payment.reference)).to_be_visible()


def _tab_until(page: Page, condition: str, what: str, limit: int = 80) -> None:
    """Press Tab until `condition` (JS, on document.activeElement `el`) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!({condition}); }}"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {what} on {page.url}")


def test_the_pay_flow_works_with_the_keyboard_only(books, new_page):
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)
    bill = books.plan.partial
    part = (bill.amount_due / 4).quantize(Decimal("0.01"))

    page.goto(f"/payments/new/?bill={bill.pk}")
    _tab_until(page, f"el.name === 'amount_{bill.pk}'", "the amount field")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(str(part))
    _tab_until(page, "el.name === 'method'", "the payment method")
    expect(page.get_by_label("Pay by")).to_have_value("bank_transfer")
    _tab_until(page, "el.name === 'note'", "the note")
    page.keyboard.type("Paid from the keyboard")
    _tab_until(page, "el.textContent.trim() === 'Review payment'", "the Review payment button")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/payments/\d+/$"))
    _tab_until(page, "/^Record .* in your books$/.test(el.textContent.trim())", "the Record button")
    page.keyboard.press("Enter")
    expect(page.locator("#payment-status")).to_contain_text("Verified in your books")

    payment = _payment_on(page)
    assert payment.total_amount == part
    assert payment.note == "Paid from the keyboard"
    recorded = ledger(books.company, "billPayments", payment.codat_bill_payment_id)
    assert money(recorded["totalAmount"]) == part
    assert money(ledger(books.company, "bills", bill.codat_bill_id)["amountDue"]) == (
        bill.amount_due - part
    )


SIGNED_OUT_PAGES = ["/login/", "/signup/", "/password-reset/"]


def test_every_visible_form_field_has_a_label(books, new_page):
    page = new_page()
    missing = {}
    for path in SIGNED_OUT_PAGES:
        page.goto(path)
        missing[path] = unlabelled_fields(page)

    log_in(page, OWNER, TEST_PASSWORD)
    first, second = books.plan.pair
    signed_in_pages = [
        "/bills/",
        "/bills/?view=overdue",
        f"/bills/{first.pk}/",
        "/bills/new/",
        "/suppliers/",
        f"/payments/new/?bill={first.pk}&bill={second.pk}",
        "/payments/",
        "/payments/settings/",
        "/settings/payment-accounts/",
        "/settings/payment-accounts/new/",
        "/team/",
        "/connect/",
        "/connection/",
    ]
    for path in signed_in_pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")  # htmx fragments loaded on page load
        missing[path] = unlabelled_fields(page)

    # The inbox's bill drawer, opened over htmx.
    page.goto("/bills/")
    page.locator("#bill-table tbody tr a").first.click()
    expect(page.locator("#bill-drawer.open")).to_be_visible()
    missing["/bills/ (drawer)"] = unlabelled_fields(page)

    assert {path: fields for path, fields in missing.items() if fields} == {}
