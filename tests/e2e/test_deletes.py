"""Issue 16, point 2 in a real browser: delete a recorded payment in the books (the bill's amount
due comes back), and delete a bill in the books (it leaves the inbox), each from its page through
a confirmation page that says what happens; screenshots and axe at desktop and phone size."""

import pytest
from playwright.sync_api import expect

from billpay.bills.models import Bill
from billpay.core.templatetags.money import money as shown
from billpay.payments.models import Payment
from billpay.payments.services import payment_confirm, payment_prepare
from tests.e2e.conftest import OWNER
from tests.e2e.journey import log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _verified_payment(books) -> Payment:
    from django.utils import timezone

    from tests.payments.conftest import drive

    bill = books.plan.partial
    payment = payment_prepare(
        company=books.company,
        actor=books.owner,
        bill_ids=[bill.pk],
        method="bank_transfer",
        amounts={bill.pk: bill.amount_due},
        payment_date=timezone.localdate(),
    )
    payment_confirm(company=books.company, actor=books.owner, payment_id=payment.pk)
    payment = drive(payment)
    assert payment.status == Payment.Status.VERIFIED
    return payment


def test_deleting_a_payment_in_the_books_gives_the_bill_its_amount_due_back(books, new_page, audit):
    payment = _verified_payment(books)
    bill = Bill.objects.get(pk=books.plan.partial.pk)
    due_before = payment.allocations.get().amount_due_before
    assert bill.amount_due == 0
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto(f"/payments/{payment.pk}/")
    audit(page, "payment recorded")
    page.get_by_role("link", name="Delete this payment in the books").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("from QuickBooks Online?")
    expect(page.locator("#payment-delete")).to_contain_text("No money moves")
    audit(page, "delete payment: confirmation")
    page.get_by_role("button", name="Delete the payment from QuickBooks Online").click()

    expect(page.locator("#payment-status .badge").first).to_have_text("Deleted from your books")
    audit(page, "payment deleted")
    page.goto(f"/bills/{bill.pk}/")
    expect(page.locator("dl.facts")).to_contain_text(shown(due_before, bill.currency))
    assert Bill.objects.get(pk=bill.pk).amount_due == due_before
    audit.assert_clean()


def test_deleting_a_bill_in_the_books_takes_it_out_of_the_inbox(books, new_page, audit):
    bill = books.plan.pair[0]
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto(f"/bills/{bill.pk}/")
    page.get_by_role("link", name="Delete this bill in the books").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Delete this bill from QuickBooks Online?"
    )
    expect(page.locator("#bill-delete")).to_contain_text(bill.reference)
    audit(page, "delete bill: confirmation")
    page.get_by_role("button", name="Delete the bill from QuickBooks Online").click()

    expect(page).to_have_url(f"{page.url.split('/bills/')[0]}/bills/")
    expect(page.get_by_text("The bill was deleted from your books.")).to_be_visible()
    expect(page.locator(f'a[href="/bills/{bill.pk}/"]')).to_have_count(0)
    assert Bill.objects.get(pk=bill.pk).is_deleted
    audit(page, "inbox after the delete")
    audit.assert_clean()


def test_both_confirmation_pages_speak_french(books, new_page, audit):
    payment = _verified_payment(books)
    bill = books.plan.pair[0]
    page = new_page(locale="fr-FR")
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto(f"/payments/{payment.pk}/")
    page.get_by_role("link", name="Supprimer ce paiement de la comptabilité").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("de QuickBooks Online")
    audit(page, "supprimer un paiement")
    page.goto(f"/bills/{bill.pk}/")
    page.get_by_role("link", name="Supprimer cette facture de la comptabilité").click()
    expect(
        page.get_by_role("button", name="Supprimer la facture de QuickBooks Online")
    ).to_be_visible()
    audit(page, "supprimer une facture")
    audit.assert_clean()  # no English on a French page, at either size
