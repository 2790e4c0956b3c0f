"""Issue 12, points 5 and 6 in a real browser: the bill page (net, tax and total; the approval
comment kept; the invoice shown inline; a paid bill says so) and paying (a summary in words, the
JSON behind "details", a button that says what happens, an accountant told to ask an owner)."""

import re
import struct
import zlib
from dataclasses import dataclass

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billpay.bills.models import Bill, SyncRun
from billpay.bills.services import bills_sync, sync_run_queue
from billpay.core.templatetags.money import money as shown
from billpay.mapping.services import account_mapping_save
from billpay.payments.models import Payment
from billpay.sandbox.models import SandboxAttachment
from tests.conftest import link_to_sandbox
from tests.e2e.journey import PDF, PayPlan, log_in, pay_plan, sandbox_company
from tests.factories import TEST_PASSWORD, CompanyFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OWNER = "petra@example.com"
ACCOUNTANT = "ahmed@example.com"


def _png(width: int = 4, height: int = 3) -> bytes:
    """A real (grey) PNG, so the browser decodes it and the preview has a size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass(frozen=True)
class Books:
    company: object
    plan: PayPlan


def _books(*, mapped: bool) -> Books:
    company = CompanyFactory(name="Quay Side Books")
    owner = MembershipFactory(company=company, user__email=OWNER).user
    MembershipFactory(company=company, user__email=ACCOUNTANT, role="accountant")
    link_to_sandbox(company, bills=30, seed=7)
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.MANUAL)
    bills_sync(run_id=run.pk)
    plan = pay_plan(company)
    if mapped:
        account_mapping_save(
            company=company,
            actor=owner,
            method="bank_transfer",
            currency=plan.account.currency,
            account=plan.account,
        )
    return Books(company=company, plan=plan)


@pytest.fixture
def books(app_server, browser) -> Books:
    return _books(mapped=True)


@pytest.fixture
def unmapped_books(app_server, browser) -> Books:
    return _books(mapped=False)


def _attach(company, bill: Bill, name: str, content_type: str, content: bytes) -> None:
    SandboxAttachment.objects.create(
        company=sandbox_company(company),
        bill_id=bill.codat_bill_id,
        name=name,
        content_type=content_type,
        content=content,
        created=timezone.now(),
        is_visible=True,
    )


def test_the_bill_page_shows_net_tax_and_total_and_the_invoice_inline(books, new_page):
    bill = books.plan.partial
    _attach(books.company, bill, "invoice.pdf", "application/pdf", PDF)
    _attach(books.company, bill, "delivery-note.png", "image/png", _png())
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto(f"/bills/{bill.pk}/")

    lines = page.locator("table.lines")
    for heading in ("Before tax", "Tax", "Total"):
        expect(lines.get_by_role("columnheader", name=heading, exact=True)).to_be_visible()
    totals = lines.locator("tfoot tr").last
    for amount in (bill.sub_total, bill.tax_amount, bill.total_amount):
        expect(totals).to_contain_text(shown(amount, bill.currency))
    expect(page.get_by_text("do not add up")).to_have_count(0)

    frame = page.locator("#bill-attachments iframe")
    expect(frame).to_have_attribute("title", "The invoice file invoice.pdf")
    pdf = page.request.get(frame.get_attribute("src"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    assert pdf.headers["content-disposition"].startswith("inline")
    page.get_by_text("Preview delivery-note.png").click()
    image = page.get_by_role("img", name="The invoice file delivery-note.png")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 4


def test_a_comment_typed_when_approving_shows_in_the_activity(books, new_page):
    bill = books.plan.partial
    page = new_page()
    log_in(page, ACCOUNTANT, TEST_PASSWORD)
    page.goto(f"/bills/{bill.pk}/")

    page.get_by_label("Comment").fill("Matches the purchase order")
    page.get_by_role("button", name="Approve").click()

    expect(page.locator("#bill-review .badge")).to_have_text("Approved")
    expect(page.locator("#bill-activity")).to_contain_text(
        "approved the bill: Matches the purchase order"
    )
    page.reload()
    expect(page.locator("#bill-activity")).to_contain_text("Matches the purchase order")


def test_paying_reads_in_words_and_a_paid_bill_offers_no_pay_form(books, new_page):
    first, second = books.plan.pair
    total = first.amount_due + second.amount_due
    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)

    page.goto(f"/payments/new/?bill={first.pk}&bill={second.pk}")
    page.get_by_role("button", name="Review payment").click()
    expect(page).to_have_url(re.compile(r"/payments/\d+/$"))

    summary = page.locator("#payment-summary")
    for words in (
        first.supplier_name,
        first.reference,
        second.reference,
        shown(total, first.currency),
        books.plan.account.name,
        f"{timezone.localdate():%-d %b %Y}",
        "BillPay does not move money",
    ):
        expect(summary).to_contain_text(words)
    json = page.locator("#payment-details pre")
    expect(json).to_be_hidden()
    page.get_by_text("Details: exactly what is written to your books").click()
    expect(json).to_contain_text('"totalAmount"')
    text = re.sub(r"\s+", " ", page.locator("main").inner_text())
    assert "(USD) (USD)" not in text and "Prepared — Prepared" not in text

    page.get_by_role(
        "button", name=f"Record {shown(total, first.currency)} payment in your books"
    ).click()
    expect(page.locator("#payment-status")).to_contain_text("Verified in your books")
    assert Payment.objects.get().status == Payment.Status.VERIFIED

    page.goto(f"/bills/{first.pk}/")
    expect(page.locator("#bill-paid")).to_contain_text("Paid in full")
    expect(page.get_by_role("link", name="Pay", exact=True)).to_have_count(0)

    page.goto(f"/payments/new/?bill={first.pk}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("is already paid")
    expect(page.get_by_role("button", name="Review payment")).to_have_count(0)
    expect(page.get_by_label("Pay by")).to_have_count(0)


def test_an_accountant_sent_to_map_an_account_is_told_to_ask_an_owner(unmapped_books, new_page):
    bill = unmapped_books.plan.partial
    page = new_page()
    log_in(page, ACCOUNTANT, TEST_PASSWORD)

    page.goto(f"/payments/new/?bill={bill.pk}")

    notice = page.locator("#pay-no-account")
    expect(notice).to_contain_text("Ask one of them")
    expect(notice.get_by_role("link")).to_have_count(0)
