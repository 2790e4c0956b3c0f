"""Issue 7, point 1: a new customer's whole journey in a real browser, checked against the books.

Sign up → connect QuickBooks Online on the sandbox's consent page → first sync → filter and
search the inbox → invite an accountant who approves a bill → map a payment account → pay two
bills of one supplier in one payment and a third partly → create a bill with a PDF → see it all
"in your books", and find exactly that in the sandbox ledger.

Issue 12: every page of the walk is audited by axe-core at desktop and phone size and photographed
under var/e2e/<test>[en|fr]/ (tests/e2e/audit.py).

Issue 14, point 5: the same walk in English and in French. The browser asks for the language
(Accept-Language), and every text the test looks for comes from the app's catalogue in that
language (tests/e2e/words.py); on French pages the audit also fails on any English word.
"""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from billpay.bills.forms import InboxFilterForm
from billpay.bills.models import Bill
from billpay.bills.selectors import bill_list_for_inbox
from billpay.core.templatetags.money import money as shown
from billpay.mapping.models import AccountMapping
from billpay.onboarding.models import AccountingConnection, Company, Membership
from billpay.payments.models import Payment
from billpay.sandbox.models import SandboxAttachment, SandboxLedgerRecord
from tests.e2e.journey import (
    PASSWORD,
    PDF,
    confirm_signup,
    ledger,
    log_in,
    money,
    pay_plan,
    sandbox_company,
)
from tests.e2e.words import Words

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OWNER = "olivia@example.com"
ACCOUNTANT = "arthur@example.com"


def _inbox_count(company, **params) -> int:
    """How many bills the inbox should list for these filters (one page: the books are small)."""
    return bill_list_for_inbox(company=company, filters=InboxFilterForm(params).filters()).count()


def _bill_payments(books):
    return SandboxLedgerRecord.objects.filter(
        company=books, data_type="billPayments", is_deleted=False
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_new_customer_pays_bills_and_sees_them_in_the_books(
    app_server, new_page, audit, language
):
    say = Words(language)
    owner = new_page(locale=say.locale)

    # --- sign up ---------------------------------------------------------------------------------
    owner.goto("/signup/")
    expect(owner.locator("html")).to_have_attribute("lang", language)
    audit(owner, "sign up")
    owner.get_by_label(say("Your name")).fill("Olivia Owner")
    owner.get_by_label(say("Email")).fill(OWNER)
    owner.get_by_label(say.exact("Password")).fill(PASSWORD)
    owner.get_by_label(say("Password again")).fill(PASSWORD)
    owner.get_by_label(say("Business name")).fill("Olive Grove Cafe")
    owner.get_by_label(say("Currency of your books")).select_option("USD")
    owner.get_by_role("button", name=say("Create account"), exact=True).click()
    expect(owner.get_by_role("heading", name=say("Check your email"))).to_be_visible()
    audit(owner, "check your email")
    confirm_signup(owner, mail.outbox[-1].body)
    expect(owner.get_by_text(say("Welcome to BillPay, %(name)s.", name="Olivia"))).to_be_visible()
    audit(owner, "welcome")
    company = Company.objects.get(name="Olive Grove Cafe")
    assert Membership.objects.get(company=company, user__email=OWNER).role == "owner"

    # --- connect through the sandbox's consent page ------------------------------------------------
    owner.get_by_role("link", name=say("Connect your books")).click()
    audit(owner, "connect")
    owner.get_by_role("button", name=say("Connect %(name)s", name="QuickBooks Online")).click()
    expect(owner).to_have_url(re.compile(r"/sandbox/link/companies/.+/start"))
    heading = say("Allow access to %(company)s?", company="Olive Grove Cafe")
    expect(owner.get_by_role("heading", name=heading)).to_be_visible()
    audit(owner, "consent page")
    owner.get_by_role("button", name=say("Approve"), exact=True).click()

    # --- the first sync finishes -------------------------------------------------------------------
    expect(owner).to_have_url(re.compile(r"/connection/$"))
    expect(owner.locator("#sync-status")).to_contain_text(
        say.starts("Last sync finished %(ago)s."), timeout=30_000
    )
    audit(owner, "connection")
    connection = AccountingConnection.objects.get(company=company)
    assert connection.status == AccountingConnection.Status.LINKED
    company.refresh_from_db()
    books = sandbox_company(company)
    in_books = SandboxLedgerRecord.objects.filter(
        company=books, data_type="bills", is_deleted=False
    )
    assert Bill.objects.filter(company=company, is_deleted=False).count() == in_books.count() > 0

    payments_before = _bill_payments(books).count()  # the generated books' own history

    owner.goto("/bills/")
    rows = owner.locator("#bill-table tbody tr")
    expect(rows).to_have_count(_inbox_count(company))
    audit(owner, "inbox")

    # --- filter: overdue ---------------------------------------------------------------------------
    overdue = _inbox_count(company, view="overdue")
    assert overdue > 0, "the generated books should hold overdue bills"
    owner.locator("nav.tabs label", has_text=say("Overdue")).click()
    expect(owner).to_have_url(re.compile(r"view=overdue"))
    expect(rows).to_have_count(overdue)
    audit(owner, "inbox overdue")
    for row in rows.all():
        expect(row.locator(".due")).to_contain_text(say.starts("overdue by %(days)s day"))

    # --- search ------------------------------------------------------------------------------------
    plan = pay_plan(company)
    first, second = plan.pair
    supplier = first.supplier_name
    owner.locator("nav.tabs label", has_text=say("All")).click()
    expect(owner).to_have_url(re.compile(r"view=all"))
    owner.get_by_label(say.exact("Search")).fill(supplier)
    expect(owner).to_have_url(re.compile(r"q="))
    expect(rows).to_have_count(_inbox_count(company, view="all", q=supplier))
    audit(owner, "inbox search")
    for row in rows.all():
        expect(row.locator("td").nth(1)).to_contain_text(supplier)

    # --- invite an accountant ----------------------------------------------------------------------
    owner.goto("/team/")
    audit(owner, "team")
    owner.get_by_label(say.exact("Email")).fill(ACCOUNTANT)
    owner.get_by_role("button", name=say("Send invitation")).click()
    expect(
        owner.get_by_text(say("Invitation sent to %(email)s.", email=ACCOUNTANT))
    ).to_be_visible()
    (invitation,) = [m for m in mail.outbox if ACCOUNTANT in m.to]
    link = re.search(r"https?://\S+/invitations/\S+/", invitation.body).group(0)
    assert link.startswith(app_server.url)

    # --- the accountant joins, logs in and approves a bill -----------------------------------------
    accountant = new_page(locale=say.locale)
    accountant.goto(link)
    audit(accountant, "invitation")
    accountant.get_by_label(say("Your name")).fill("Arthur Accountant")
    accountant.get_by_label(say.exact("Password")).fill(PASSWORD)
    accountant.get_by_label(say("Password again")).fill(PASSWORD)
    accountant.get_by_role("button", name=say("Create account and join")).click()
    expect(
        accountant.get_by_text(say("You joined %(company)s.", company="Olive Grove Cafe"))
    ).to_be_visible()
    accountant.get_by_role("button", name=say("Log out")).click()
    log_in(accountant, ACCOUNTANT)
    assert Membership.objects.get(company=company, user__email=ACCOUNTANT).role == "accountant"
    accountant.goto(f"/bills/{first.pk}/")
    audit(accountant, "bill page (accountant)")
    review = accountant.locator("#bill-review")
    review.get_by_role("button", name=say("Approve"), exact=True).click()
    expect(review.locator(".badge")).to_have_text(say("Approved"))
    first.refresh_from_db()
    assert first.review_status == Bill.Review.APPROVED
    assert first.reviewed_by.email == ACCOUNTANT

    # --- the owner maps a bank account for the bills' currency -------------------------------------
    owner.goto("/settings/payment-accounts/")
    audit(owner, "payment accounts")
    label = say(
        "Account for %(method)s in %(currency)s",
        method=say("Bank transfer / ACH"),
        currency=plan.account.currency,
    )
    row = owner.locator("#mapping-form form").filter(has=owner.get_by_label(label))
    row.get_by_label(label).select_option(str(plan.account.pk))
    with owner.expect_response(re.compile(r"/settings/payment-accounts/save/$")) as saved:
        row.get_by_role("button", name=say("Save"), exact=True).click()
    assert saved.value.ok
    expect(owner.get_by_label(label)).to_have_value(str(plan.account.pk))
    assert (
        AccountMapping.objects.get(
            company=company, method="bank_transfer", currency=plan.account.currency
        ).account
        == plan.account
    )

    # --- pay two bills of one supplier in one payment ----------------------------------------------
    owner.goto(f"/bills/?view=to_pay&supplier={first.codat_supplier_id}")
    owner.locator(f'input[name="bill"][value="{first.pk}"]').check()
    owner.locator(f'input[name="bill"][value="{second.pk}"]').check()
    owner.get_by_role("button", name=say("Pay selected")).click()
    heading = say.n(
        "Pay %(counter)s bill from %(name)s",
        "Pay %(counter)s bills from %(name)s",
        2,
        name=supplier,
    )
    expect(owner.get_by_role("heading", name=heading)).to_be_visible()
    audit(owner, "pay form")
    owner.get_by_label(say.exact("Pay by")).select_option("bank_transfer")
    owner.get_by_label(say.exact("Note")).fill("Two bills, one payment")
    owner.get_by_role("button", name=say("Review payment")).click()
    expect(owner).to_have_url(re.compile(r"/payments/\d+/$"))
    audit(owner, "payment review")
    record = say.pattern("Record %(amount)s payment in your books")
    owner.get_by_role("button", name=record).click()
    status = owner.locator("#payment-status")
    expect(status).to_contain_text(say("Verified in your books"), timeout=30_000)
    audit(owner, "payment verified")
    together = Payment.objects.get(pk=int(owner.url.rstrip("/").rsplit("/", 1)[1]))
    assert together.status == Payment.Status.VERIFIED
    expected_total = first.amount_due + second.amount_due
    assert together.total_amount == expected_total

    # --- pay a third bill partly -------------------------------------------------------------------
    third = plan.partial
    part = (third.amount_due / 3).quantize(Decimal("0.01"))
    owner.goto(f"/payments/new/?bill={third.pk}")
    amount_label = say("Amount for %(label)s", label=third.reference or third.codat_bill_id)
    owner.get_by_label(amount_label).fill(str(part).replace(".", say.decimal_separator))
    owner.get_by_label(say.exact("Pay by")).select_option("bank_transfer")
    owner.get_by_role("button", name=say("Review payment")).click()
    expect(owner).to_have_url(re.compile(r"/payments/\d+/$"))
    owner.get_by_role("button", name=record).click()
    expect(status).to_contain_text(say("Verified in your books"), timeout=30_000)
    partly = Payment.objects.get(pk=int(owner.url.rstrip("/").rsplit("/", 1)[1]))
    assert partly.status == Payment.Status.VERIFIED
    assert partly.total_amount == part

    # --- create a bill with an attached PDF --------------------------------------------------------
    owner.goto("/bills/new/")
    audit(owner, "new bill")
    owner.locator("#id_supplier").select_option(label=supplier)
    owner.get_by_label(say.exact("Invoice number")).fill("E2E-PDF-1")

    def line_1(field):
        return say("%(label)s, line %(number)s", label=say(field), number=1)

    owner.get_by_label(line_1("Description")).fill("Olive oil, 20 l")
    owner.get_by_label(line_1("Expense account")).select_option(index=1)
    owner.get_by_label(line_1("Quantity")).fill("2")
    owner.get_by_label(line_1("Unit price")).fill("61.50".replace(".", say.decimal_separator))
    owner.get_by_label(say.exact("Invoice (PDF, PNG or JPEG)")).set_input_files(
        files=[{"name": "olive-oil.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    create = say("Create and send to %(platform)s", platform="QuickBooks Online")
    owner.get_by_role("button", name=create).click()
    expect(owner).to_have_url(re.compile(r"/bills/\d+/$"))
    expect(owner.locator("#bill-push-state")).to_contain_text(say("In your books"), timeout=30_000)
    expect(owner.locator("#bill-attachments")).to_contain_text("olive-oil.pdf")
    audit(owner, "bill created")
    created = Bill.objects.get(company=company, reference="E2E-PDF-1")
    assert created.is_in_books and created.push_state == Bill.PushState.IN_BOOKS

    # --- every result, in the app: "in your books" -------------------------------------------------
    owner.goto("/payments/")
    audit(owner, "payments")
    for payment in (together, partly):
        expect(
            owner.locator("#payment-table tr").filter(has_text=payment.reference)
        ).to_contain_text(say("Verified in your books"))

    def paid_on(amount, currency):
        with translation.override(language):
            return say("%(amount)s on %(on)s", amount=shown(amount, currency), on="")

    owner.goto(f"/bills/{first.pk}/")
    drawer = owner.locator("#bill-drawer")
    expect(drawer).to_contain_text(say("Status in your books") + say("Paid"))
    audit(owner, "paid bill")
    expect(drawer).to_contain_text(paid_on(first.amount_due, first.currency))
    owner.goto(f"/bills/{third.pk}/")
    expect(drawer).to_contain_text(say("Status in your books") + say("Partly paid"))
    expect(drawer).to_contain_text(paid_on(part, third.currency))
    owner.goto("/bills/?view=all&q=E2E-PDF-1")
    expect(owner.locator("#bill-table tbody tr")).to_contain_text(say("in your books"))

    # --- ... and in the sandbox ledger -------------------------------------------------------------
    # Exactly one bill payment per payment (no duplicate), and nothing else written.
    assert _bill_payments(books).count() == payments_before + 2
    for payment in (together, partly):
        assert _bill_payments(books).filter(data__reference=payment.reference).count() == 1

    recorded = ledger(company, "billPayments", together.codat_bill_payment_id)
    assert money(recorded["totalAmount"]) == expected_total
    assert recorded["supplierRef"]["id"] == first.codat_supplier_id
    assert len(recorded["lines"]) == 2
    linked = {
        link["id"]: money(line["amount"])
        for line in recorded["lines"]
        for link in line["links"]
        if link["type"] == "Bill"
    }
    assert linked == {
        first.codat_bill_id: first.amount_due,
        second.codat_bill_id: second.amount_due,
    }
    for bill in (first, second):
        in_ledger = ledger(company, "bills", bill.codat_bill_id)
        assert money(in_ledger["amountDue"]) == 0
        assert in_ledger["status"] == "Paid"
        bill.refresh_from_db()
        assert bill.amount_due == 0  # our mirror agrees with the books

    recorded = ledger(company, "billPayments", partly.codat_bill_payment_id)
    assert money(recorded["totalAmount"]) == part
    (line,) = recorded["lines"]
    assert [link["id"] for link in line["links"] if link["type"] == "Bill"] == [third.codat_bill_id]
    in_ledger = ledger(company, "bills", third.codat_bill_id)
    assert in_ledger["status"] == "PartiallyPaid"
    assert money(in_ledger["amountDue"]) == third.amount_due - part
    third.refresh_from_db()
    assert third.amount_due == money(in_ledger["amountDue"])

    in_ledger = ledger(company, "bills", created.codat_bill_id)
    assert in_ledger["reference"] == "E2E-PDF-1"
    assert money(in_ledger["totalAmount"]) == Decimal("123.00")
    assert in_ledger["supplierRef"]["id"] == first.codat_supplier_id
    (attachment,) = SandboxAttachment.objects.filter(company=books, bill_id=created.codat_bill_id)
    assert attachment.name == "olive-oil.pdf"
    assert attachment.content_type == "application/pdf"
    assert bytes(attachment.content) == PDF

    # --- every page of the walk: no serious or critical axe violation, desktop and phone, and ------
    # --- on French pages no English word -------------------------------------------------------
    audit.assert_clean()
