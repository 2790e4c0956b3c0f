"""Issue 12, points 3, 4 and 7 in a real browser: the inbox's selection and bulk actions, the bill
side panel as a proper dialog, and the inbox and menu on a 390×844 phone.

Every page visited is audited (axe-core, desktop and phone) and photographed under var/e2e/.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from billpay.bills.models import TO_PAY, Bill
from billpay.onboarding.models import Membership
from tests.e2e.conftest import OWNER, PHONE
from tests.e2e.journey import assert_fits_width, assert_in_view, log_in
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ACCOUNTANT = "amir@example.com"


def _errors(page: Page) -> list[str]:
    """JavaScript errors on the page, collected from now on."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(msg) -> None:
        # The browser asks for /favicon.ico on its own: not a page's error.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{msg.text} {msg.location.get('url', '')}")

    page.on("console", console)
    return errors


def _box(page: Page, bill: Bill):
    return page.locator(f'input[name="bill"][value="{bill.pk}"]')


def _focused(page: Page, js: str, timeout: float = 5_000) -> bool:
    """Whether the focused element matches `js` (waiting for it: focus moves after a swap)."""
    try:
        page.wait_for_function(
            f"() => {{ const el = document.activeElement; return el && ({js}); }}", timeout=timeout
        )
    except PlaywrightTimeoutError:
        return False
    return True


def test_ticking_bills_shows_a_count_and_the_actions_and_several_suppliers_split(
    books, new_page, audit
):
    page = new_page()
    errors = _errors(page)
    log_in(page, OWNER, TEST_PASSWORD)
    first, second = books.plan.pair
    other = (
        Bill.objects.filter(TO_PAY, company=books.company)
        .exclude(codat_supplier_id=first.codat_supplier_id)
        .exclude(codat_supplier_id="")
        .order_by("due_date", "pk")
        .first()
    )
    page.goto("/bills/")
    pay_selected = page.get_by_role("button", name="Pay selected")
    count = page.locator("[data-selection-count]")
    boxes = page.locator('#bill-table tbody input[name="bill"]')

    # Nothing ticked: no actions, a hint.
    expect(pay_selected).to_be_hidden()
    expect(count).to_have_text("Tick bills to pay or approve several at once.")
    audit(page, "inbox")

    # One ticked, then all on the page, then none.
    _box(page, first).check()
    expect(count).to_have_text("1 bill selected")
    expect(pay_selected).to_be_visible()
    select_all = page.get_by_label("Select all bills on this page")
    select_all.check()
    total = boxes.count()
    assert total > 2
    expect(count).to_have_text(f"{total} bills selected")
    for index in range(total):
        expect(boxes.nth(index)).to_be_checked()
    select_all.uncheck()
    expect(count).to_have_text("Tick bills to pay or approve several at once.")
    expect(pay_selected).to_be_hidden()

    # Bills of two suppliers: one pay run, one payment per supplier (its review page).
    for bill in (first, second, other):
        _box(page, bill).check()
    expect(count).to_have_text("3 bills selected")
    audit(page, "inbox with bills ticked")
    pay_selected.click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.get_by_role("heading", name="Check and pay this run")).to_be_visible()
    group = page.locator(".rungroup").filter(has_text=first.reference)
    expect(group).to_contain_text(second.reference)
    expect(page.locator(".rungroup")).to_have_count(2)

    # The Pay action on a row.
    page.goto("/bills/")
    page.locator(f"#pay-{other.pk}").click()
    expect(
        page.get_by_role("heading", name=f"Pay 1 bill from {other.supplier_name}")
    ).to_be_visible()

    assert errors == []
    audit.assert_clean()


def test_an_accountant_approves_several_bills_at_once(books, new_page, audit):
    MembershipFactory(
        company=books.company, user__email=ACCOUNTANT, role=Membership.Role.ACCOUNTANT
    )
    bills = list(Bill.objects.filter(TO_PAY, company=books.company).order_by("due_date", "pk")[:3])
    page = new_page()
    log_in(page, ACCOUNTANT, TEST_PASSWORD)

    page.goto("/bills/?view=all")
    for bill in bills:
        _box(page, bill).check()
    page.get_by_role("button", name="Approve selected").click()

    expect(page.get_by_text("Approved 3 bills.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/bills/\?view=all$"))  # back where the accountant was
    audit(page, "inbox after bulk approval")
    for bill in bills:
        bill.refresh_from_db()
        assert bill.review_status == Bill.Review.APPROVED
        assert bill.reviewed_by.email == ACCOUNTANT
    audit.assert_clean()


def _hold_submits(page: Page) -> None:
    """Keep the page's forms from leaving once app.js has set the inbox up, so that the page can
    be read as it is while a request would be on its way. The page's own submit handler runs first
    (on the document); this one, on the window, runs after it."""
    page.wait_for_function("!document.querySelector('[data-select-all-label]').hidden")
    page.evaluate("window.addEventListener('submit', (e) => e.preventDefault())")


def test_while_the_selection_is_sent_the_page_says_what_is_happening(books, new_page):
    bills = list(Bill.objects.filter(TO_PAY, company=books.company).order_by("due_date", "pk")[:2])
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)
    page.goto("/bills/?view=all")
    _hold_submits(page)
    for bill in bills:
        _box(page, bill).check()

    page.get_by_role("button", name="Approve selected").click()

    expect(page.locator("[data-selection-count]")).to_have_text("Approving 2 bills…")
    expect(page.locator("#bill-selection")).to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("button", name="Approve selected")).to_be_disabled()
    expect(page.get_by_role("button", name="Pay selected")).to_be_disabled()  # no second send

    page.goto("/bills/?view=all")
    _hold_submits(page)
    page.get_by_role("button", name="Pay all matching").click()

    expect(page.locator("[data-selection-count]")).to_have_text(
        "Preparing a pay run of every bill that matches…"
    )


def test_the_bill_side_panel_is_a_dialog_that_closes_and_gives_focus_back(books, new_page, audit):
    first = books.plan.pair[0]
    long_email = "accounts.payable.department.for.all.invoices@" + "x" * 60 + ".example.com"
    first.supplier.email = long_email
    first.supplier.save(update_fields=["email"])
    page = new_page()
    errors = _errors(page)
    log_in(page, OWNER, TEST_PASSWORD)
    page.goto("/bills/")
    drawer = page.locator("#bill-drawer")
    link = page.locator(f"#sup-{first.pk}")

    # Opened from the keyboard: focus moves into the panel and stays there.
    link.focus()
    page.keyboard.press("Enter")
    expect(drawer).to_have_attribute("role", "dialog")
    expect(drawer).to_have_attribute("aria-modal", "true")
    expect(drawer).to_contain_text(long_email)
    assert _focused(page, "el.closest('#bill-drawer') !== null")
    for _ in range(40):
        page.keyboard.press("Tab")
        assert _focused(page, "el.closest('#bill-drawer') !== null"), "focus left the panel"
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert _focused(page, "el.closest('#bill-drawer') !== null"), "focus left the panel"
    # Long values wrap: nothing sticks out sideways.
    assert page.evaluate(
        "() => { const d = document.getElementById('bill-drawer'); return d.scrollWidth <= d.clientWidth; }"
    )
    audit(page, "bill side panel")

    # Esc closes it, and focus is back on the link that opened it.
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    assert _focused(page, f"el.id === 'sup-{first.pk}'")

    # ✕ closes it, with nothing left over the page.
    link.click()
    expect(drawer).to_have_attribute("role", "dialog")
    page.get_by_role("button", name="Close").click()
    expect(drawer).to_be_hidden()
    expect(page.locator(".drawer-backdrop")).to_have_count(0)
    expect(page.get_by_role("button", name="Pay selected")).to_be_hidden()  # the page works on
    _box(page, first).check()
    expect(page.get_by_role("button", name="Pay selected")).to_be_visible()

    # A click outside closes it.
    link.click()
    expect(drawer).to_have_attribute("role", "dialog")
    page.mouse.click(40, 450)
    expect(drawer).to_be_hidden()

    # On a phone it fills the screen, and closes the same way.
    page.set_viewport_size(PHONE)
    link.click()
    expect(drawer).to_have_attribute("role", "dialog")
    assert_fits_width(page)
    assert_in_view(page, page.get_by_role("button", name="Close"))
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()

    assert errors == []
    audit.assert_clean()


def test_on_a_phone_bills_are_cards_and_the_menu_folds_behind_a_button(books, new_page, audit):
    page = new_page(viewport=PHONE)
    log_in(page, OWNER, TEST_PASSWORD)
    first = books.plan.pair[0]
    page.goto("/bills/")
    row = page.locator("#bill-table tbody tr").filter(has=page.locator(f"#sup-{first.pk}"))

    assert_fits_width(page)
    for part in (f"#sup-{first.pk}", ".c-amount", ".c-due", f"#pay-{first.pk}"):
        assert_in_view(page, row.locator(part))
    box = row.bounding_box()
    assert box["height"] < 200, "a card is a few lines, not a squeezed table row"

    # The navigation hides behind the menu button; the company switcher and log out stay there.
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in ("Bills", "Suppliers", "Payments", "Payment accounts", "Accounting", "Team"):
        assert_in_view(page, nav.get_by_role("link", name=name, exact=True))
    assert_in_view(page, page.get_by_label("Company"))
    assert_in_view(page, page.get_by_role("button", name="Log out"))
    assert_fits_width(page)
    audit(page, "phone menu open")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    menu.click()
    nav.get_by_role("link", name="Payments", exact=True).click()
    expect(page).to_have_url(re.compile(r"/payments/$"))

    # The bill's page: its lines' headings stay whole words (no "DESCRIPTIO / N").
    page.goto(f"/bills/{first.pk}/")
    assert_fits_width(page)
    lines_of_heading = page.evaluate(
        """() => { const th = [...document.querySelectorAll('.table.lines th')]
                     .find((el) => el.textContent.trim() === 'Description');
                   const range = document.createRange(); range.selectNodeContents(th);
                   return range.getClientRects().length; }"""
    )
    assert lines_of_heading == 1

    # The pay form: one card per bill, the amount to pay on screen.
    second = books.plan.pair[1]
    page.goto(f"/payments/new/?bill={first.pk}&bill={second.pk}")
    assert_fits_width(page)
    for bill in (first, second):
        assert_in_view(page, page.locator(f'input[name="amount_{bill.pk}"]'))
    audit(page, "pay form on a phone")

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    audit.assert_clean()


def _tab_until(page: Page, condition: str, what: str, *, back: bool = False, limit: int = 80):
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if _focused(page, f"!!({condition})", timeout=100):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {what} on {page.url}")


def test_paying_from_the_inbox_works_with_the_keyboard_only(books, new_page):
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)
    first, second = books.plan.pair
    page.goto(f"/bills/?supplier={first.codat_supplier_id}")

    _tab_until(page, f"el.name === 'bill' && el.value === '{first.pk}'", "the first bill's box")
    page.keyboard.press("Space")
    _tab_until(page, f"el.name === 'bill' && el.value === '{second.pk}'", "the second bill's box")
    page.keyboard.press("Space")
    _tab_until(page, "el.textContent.trim() === 'Pay selected'", "Pay selected", back=True)
    page.keyboard.press("Enter")

    expect(
        page.get_by_role("heading", name=f"Pay 2 bills from {first.supplier_name}")
    ).to_be_visible()
    _tab_until(page, "el.name === 'method'", "the payment method")
    expect(page.get_by_label("Pay by")).to_have_value("bank_transfer")
    _tab_until(page, "el.textContent.trim() === 'Review payment'", "the Review payment button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/payments/\d+/$"))
    _tab_until(page, "/^Record .* in your books/.test(el.textContent.trim())", "the Record button")
    page.keyboard.press("Enter")
    expect(page.locator("#payment-status")).to_contain_text("Verified in your books")
