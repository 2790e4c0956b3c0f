"""Issue 14, point 5, beyond the journey: the other pages a French owner opens, and the errors a
form gives, read in French. Each page is audited, so the audit's English check (tests/e2e/
english.py) fails the test on any English word of ours; screenshots under var/e2e/<test>/.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billpay.approvals.services import rule_save
from billpay.bills.models import TO_PAY, Bill
from billpay.core.words import phrase
from billpay.notifications.models import Kind
from billpay.notifications.services import notifications_deliver
from tests.e2e.conftest import OWNER
from tests.e2e.journey import assert_fits_width, log_in
from tests.e2e.words import Words
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

say = Words("fr")

PAGES = [
    ("overview", "/overview/"),
    ("forecast", "/overview/forecast/"),
    ("suppliers", "/suppliers/"),
    ("new supplier", "/suppliers/new/"),
    ("new bank account", "/settings/payment-accounts/new/"),
    ("payment settings", "/payments/settings/"),
    ("pay runs", "/runs/"),
    ("connection", "/connection/"),
    ("new company", "/companies/new/"),
    ("missing bill", "/bills/999999999/"),
    ("team", "/team/"),
    ("history", "/team/history/"),
    ("notifications", "/notifications/"),
    ("waiting for my approval", "/approvals/"),
    ("approval rules", "/approvals/rules/"),
    ("new approval rule", "/approvals/rules/new/"),
    ("e-invoices to check", "/inbound/"),
    ("upload e-invoices", "/inbound/upload/"),
]


def notify_now(books) -> None:
    """A notification of each kind that has words of ours, so the page shows them in French."""
    notifications_deliver(
        company_id=books.company.pk,
        kind=Kind.DIGEST,
        event_key="digest:french-pages",
        recipient_ids=[books.owner.pk],
        message=phrase(
            "This week: %(due)s bills due in the next 7 days, %(overdue)s overdue.",
            due=3,
            overdue=1,
        ).to_json(),
        url="/bills/",
    )


def test_a_french_owner_reads_every_page_and_error_in_french(books, new_page, audit):
    page = new_page(locale=say.locale)
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    audit(page, "login")
    page.goto("/password-reset/")
    audit(page, "password reset")
    log_in(page, OWNER, TEST_PASSWORD)

    colleague = MembershipFactory(company=books.company, role="approver")  # a role form, a removal
    rule_save(  # the rules page lists one, in words of ours
        company=books.company,
        actor=books.owner,
        rule=None,
        applies_to="payments",
        min_amount=Decimal("500"),
        max_amount=None,
        codat_supplier_id="",
        supplier_name="",
        mode="sequence",
        approver_ids=[colleague.user.pk, books.owner.pk],
    )
    notify_now(books)
    from tests.e2e.test_accessibility import _e_invoice_draft

    draft = _e_invoice_draft(books.company)
    extra = [
        ("remove a member", f"/team/{colleague.pk}/remove/"),
        ("draft", f"/inbound/{draft.pk}/"),
    ]
    for name, url in [*PAGES, *extra]:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        audit(page, name)
        assert_fits_width(page)  # longer French words still fit a desktop screen

    # --- a form's errors: Django's own and our parsers' --------------------------------------------
    page.goto("/bills/new/")
    page.get_by_role("button", name=say.pattern("Create and send to %(platform)s")).click()
    expect(page.locator(".errorlist").first).to_be_visible()
    audit(page, "new bill errors")

    bill = Bill.objects.filter(TO_PAY, company=books.company).order_by("due_date", "pk").first()
    page.goto(f"/payments/new/?bill={bill.pk}")
    label = say("Amount for %(label)s", label=bill.reference or bill.codat_bill_id)
    page.get_by_label(label).fill("12,345")  # could be twelve or twelve thousand
    page.get_by_role("button", name=say("Review payment")).click()
    expect(page.locator(".errorlist").first).to_be_visible()
    audit(page, "pay form errors")
    assert_fits_width(page)  # the long French error wraps in its cell

    # --- a pay run from the inbox's selection ------------------------------------------------------
    page.goto("/bills/?view=to_pay")
    boxes = page.locator('#bill-table input[name="bill"]')
    boxes.nth(0).check()
    boxes.nth(1).check()
    selected = say.n("%(n)s bill selected", "%(n)s bills selected", 2, n=2)
    expect(page.locator("[data-selection-count]")).to_have_text(selected)
    page.get_by_role("button", name=say("Pay selected")).click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    audit(page, "pay run")

    audit.assert_clean()
