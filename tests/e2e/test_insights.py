"""Issue 13, points 1 and 2 in a browser: the overview and the cash forecast at desktop and phone
size, with axe-core finding nothing serious and nothing scrolling sideways on the phone."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OWNER, PHONE
from tests.e2e.journey import assert_fits_width, log_in
from tests.factories import TEST_PASSWORD, PaymentFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_overview_and_the_forecast_read_well_on_a_desktop_and_a_phone(books, new_page, audit):
    account = books.plan.account
    # Enough going out that the balance dips below zero: the forecast must say so in words.
    PaymentFactory(
        company=books.company,
        account=account,
        total_amount=(account.current_balance or Decimal("0")) + Decimal("1000.00"),
        status="scheduled",
    )
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto("/")  # an owner with connected books lands on the overview
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="Each bank account's balance")).to_be_visible()
    audit(page, "overview")

    page.get_by_role("link", name="Cash forecast").first.click()
    expect(page.get_by_role("heading", name="Cash forecast", level=1)).to_be_visible()
    expect(page.get_by_text("⚠ Below zero").first).to_be_visible()
    page.get_by_label("Look ahead").select_option("90")
    expect(page.locator("#forecast-results")).to_contain_text("Over the next 90 days")
    audit(page, "cash forecast")

    phone = new_page(viewport=PHONE)
    log_in(phone, OWNER, TEST_PASSWORD)
    for path in ("/overview/", "/overview/forecast/?days=60"):
        phone.goto(path)
        assert_fits_width(phone)
    audit.assert_clean()
