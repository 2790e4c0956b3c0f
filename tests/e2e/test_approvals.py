"""Issue 15, point 2 in the browser: an owner sets an approval rule, an approver approves from
"Waiting for me" on a phone, the owner approves the last step and records the payment, and it
lands in the books once."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billpay.payments.services import payment_prepare
from billpay.sandbox.models import SandboxLedgerRecord
from tests.e2e.conftest import OWNER, PHONE
from tests.e2e.journey import log_in, sandbox_company
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_payment_waits_for_its_approvers_in_order_then_lands_in_the_books(books, new_page, audit):
    company, owner = books.company, books.owner
    carol = MembershipFactory(
        company=company,
        role="approver",
        user__email="carol@example.com",
        user__full_name="Carol Reyes",
    ).user
    bob = MembershipFactory(company=company, role="accountant", user__email="bob@example.com").user
    bill = books.plan.pair[0]

    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)
    page.get_by_role("link", name="Approvals").click()
    expect(page.get_by_text("Nothing waits for your approval here.")).to_be_visible()
    page.get_by_role("link", name="Approval rules").click()
    page.get_by_role("link", name="Add a rule").click()
    page.get_by_label("Payments and pay runs").check()
    page.get_by_label("From").fill("1")
    page.get_by_label("Each of them, one after the other").check()
    page.get_by_label("Approver 1").select_option(str(carol.pk))
    page.get_by_label("Approver 2").select_option(str(owner.pk))
    audit(page, "new approval rule")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("status")).to_contain_text("The approval rule is saved.")
    expect(page.get_by_role("row").filter(has_text="Carol Reyes")).to_contain_text(owner.full_name)
    audit(page, "approval rules")

    # Bob, an accountant, prepares the payment (the pay flow itself is tested elsewhere).
    payment = payment_prepare(
        company=company,
        actor=bob,
        bill_ids=[bill.pk],
        method="bank_transfer",
        amounts={bill.pk: bill.amount_due},
        payment_date=timezone.localdate(),
    )

    phone = new_page(viewport=PHONE)
    log_in(phone, "carol@example.com", TEST_PASSWORD)
    phone.goto("/approvals/")
    row = phone.get_by_role("row").filter(has_text=payment.reference)
    expect(row).to_contain_text("1 of 2")
    audit(phone, "waiting for me")
    phone.get_by_label(re.compile(rf"^Approve .*{payment.reference}")).check()
    phone.get_by_label("Comment (optional)").fill("In this month's budget")
    phone.get_by_role("button", name="Approve the ticked ones").click()
    expect(phone.locator("main")).to_contain_text("You approved 1 item.")
    expect(phone.get_by_text("Nothing waits for your approval here.")).to_be_visible()

    page.goto(f"/payments/{payment.pk}/")
    panel = page.locator("#approval")
    expect(panel).to_contain_text("In this month's budget")
    expect(panel).to_contain_text(f"waiting for {owner.full_name}")
    expect(page.get_by_role("button", name=re.compile("^Record"))).to_have_count(0)
    audit(page, "payment waiting for approval")
    panel.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#approval")).to_contain_text("Approved")
    page.get_by_role("button", name=re.compile("^Record")).click()
    expect(page.locator("#payment-status")).to_contain_text("Verified in your books")

    records = SandboxLedgerRecord.objects.filter(
        company=sandbox_company(company), data_type="billPayments", is_deleted=False
    )
    ours = [r.data for r in records if r.data.get("reference") == payment.reference]
    assert len(ours) == 1
    assert Decimal(str(ours[0]["totalAmount"])) == bill.amount_due
    audit.assert_clean()
