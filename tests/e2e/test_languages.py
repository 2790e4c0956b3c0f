"""Issue 14, points 2 and 3 in a real browser: switch to Français in the header (by keyboard), the
nav and the amounts read in French, the choice survives logging out and in (in another browser
too), and the phone menu offers the chooser.

Every page visited is audited (axe-core, desktop and phone) and photographed under var/e2e/.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from billpay.bills.models import TO_PAY, Bill
from billpay.core.money import format_money
from billpay.onboarding.models import User
from tests.e2e.conftest import OWNER, PHONE
from tests.e2e.journey import log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAV = re.compile(r"^Factures$")
FRENCH_MONEY = re.compile(r"^-?\d{1,3}(\u202f\d{3})*,\d{2}\u00a0\S+$")


def test_switching_to_french_in_the_header_sticks_to_the_user(books, new_page, audit):
    largest = Bill.objects.filter(TO_PAY, company=books.company).order_by("-amount_due").first()
    assert largest.amount_due >= 1000  # so the French grouping shows
    with translation.override("fr"):
        french_amount = format_money(largest.amount_due, largest.currency)
    with translation.override("en"):
        english_amount = format_money(largest.amount_due, largest.currency)

    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)
    page.goto("/bills/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(
        page.locator("#bill-table").get_by_text(english_amount, exact=True).first
    ).to_be_visible()
    audit(page, "inbox in English")

    # --- by keyboard: the chooser is a button named in its own language ----------------------------
    chooser = page.get_by_role("button", name="Français")
    chooser.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/bills/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    nav = page.get_by_role("navigation", name="Principale")
    expect(nav.get_by_role("link", name=NAV)).to_be_visible()
    expect(nav.get_by_role("link", name="Fournisseurs")).to_be_visible()
    cell = page.locator("#bill-table").get_by_text(french_amount, exact=True).first
    expect(cell).to_be_visible()
    assert FRENCH_MONEY.match(cell.inner_text().strip()), cell.inner_text()
    assert "\u202f" in french_amount  # 1 234,56 € with Babel's narrow no-break space
    assert User.objects.get(email=OWNER).language == "fr"
    audit(page, "inbox in French")

    # --- log out and in again: still French ------------------------------------------------------
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")  # the cookie outlives the session
    log_in(page, OWNER, TEST_PASSWORD)
    page.goto("/bills/")
    expect(
        page.get_by_role("navigation", name="Principale").get_by_role("link", name=NAV)
    ).to_be_visible()

    # --- another browser (no cookie), an English Accept-Language: the user's choice wins ----------
    phone = new_page(viewport=PHONE)
    log_in(phone, OWNER, TEST_PASSWORD)
    phone.goto("/bills/")
    expect(phone.locator("html")).to_have_attribute("lang", "fr")
    phone.get_by_role("button", name="Menu").click()
    expect(phone.get_by_role("link", name=NAV)).to_be_visible()
    audit(phone, "phone menu in French")

    # --- and back to English from the phone menu (named in English, not "Anglais") ---------------
    menu = phone.get_by_role("button", name="Menu")
    if menu.get_attribute("aria-expanded") != "true":  # the audit's resizing may fold it away
        menu.click()
    phone.get_by_role("button", name="English", exact=True).click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    phone.get_by_role("button", name="Menu").click()
    expect(
        phone.get_by_role("navigation", name="Main").get_by_role("link", name="Bills", exact=True)
    ).to_be_visible()
    assert User.objects.get(email=OWNER).language == "en"
    audit.assert_clean()
