"""Issue 12, points 8 and 12: axe-core on every page a person meets, at desktop and phone size, with
no serious or critical violation; a screenshot of each under var/e2e/ to review the look.

(The journey test audits the pages of its own walk too: sign-up, the consent page, the first sync.)
"""

import re

import pytest
from playwright.sync_api import expect

from billpay.runs.services import run_create
from tests.e2e.conftest import OWNER
from tests.e2e.journey import log_in
from tests.factories import TEST_PASSWORD, BillFactory, MembershipFactory, SupplierFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIGNED_OUT_PAGES = {
    "log in": "/login/",
    "sign up": "/signup/",
    "password reset": "/password-reset/",
}


def _e_invoice_draft(company):
    """A Factur-X invoice read into a draft, as an upload leaves it."""
    from billpay.inbound import samples
    from billpay.inbound.models import Draft
    from billpay.inbound.services import IncomingFile, inbound_ingest

    outcome = inbound_ingest(
        company=company,
        files=[IncomingFile(*samples.standard_rate())],
        source=Draft.Source.UPLOAD,
    )
    return outcome.drafts[0]


def test_every_page_has_no_serious_accessibility_violation(books, new_page, audit):
    page = new_page()
    for name, path in SIGNED_OUT_PAGES.items():
        page.goto(path)
        audit(page, name)

    log_in(page, OWNER, TEST_PASSWORD)
    first, second = books.plan.pair
    other = BillFactory(company=books.company, supplier=SupplierFactory(company=books.company))
    run = run_create(company=books.company, actor=books.owner, bill_ids=[first.pk, other.pk])
    colleague = MembershipFactory(company=books.company, role="accountant")  # a role form
    draft = _e_invoice_draft(books.company)
    pages = {
        "bills to pay": "/bills/",
        "bills overdue": "/bills/?view=overdue",
        "all bills": "/bills/?view=all",
        "bill page": f"/bills/{first.pk}/",
        "new bill": "/bills/new/",
        "suppliers": "/suppliers/",
        "pay form": f"/payments/new/?bill={first.pk}&bill={second.pk}",
        "payments": "/payments/",
        "pay run review": f"/runs/{run.pk}/",
        "pay runs": "/runs/",
        "payment settings": "/payments/settings/",
        "payment accounts": "/settings/payment-accounts/",
        "new bank account": "/settings/payment-accounts/new/",
        "team": "/team/",
        "history": "/team/history/",
        "notifications": "/notifications/",
        "remove a member": f"/team/{colleague.pk}/remove/",
        "connect": "/connect/",
        "connection": "/connection/",
        "new company": "/companies/new/",
        "e-invoices to check": "/inbound/",
        "upload e-invoices": "/inbound/upload/",
        "e-invoice draft": f"/inbound/{draft.pk}/",
    }
    for name, path in pages.items():
        page.goto(path)
        audit(page, name)

    # The side panel over the inbox, and the phone's open menu.
    page.goto("/bills/")
    page.locator("#bill-table tbody tr a").first.click()
    expect(page.locator("#bill-drawer[role=dialog]")).to_be_visible()
    audit(page, "bill side panel")

    # The pay flow's review and result pages.
    page.goto(f"/payments/new/?bill={first.pk}")
    page.get_by_label("Pay by").select_option("bank_transfer")
    page.get_by_role("button", name="Review payment").click()
    expect(page).to_have_url(re.compile(r"/payments/\d+/$"))
    audit(page, "payment review")
    page.get_by_role("button", name=re.compile("^Record .* in your books")).click()
    expect(page.locator("#payment-status")).to_contain_text("Verified in your books")
    audit(page, "payment done")

    audit.assert_clean()
