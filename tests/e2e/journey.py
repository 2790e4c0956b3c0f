"""Shared steps and look-ups for the browser tests: small, so each test still reads top to bottom."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from billpay.bills.models import TO_PAY, Bill
from billpay.mapping.models import LedgerAccount
from billpay.mapping.selectors import account_kind, account_usable
from billpay.sandbox import store
from billpay.sandbox.models import SandboxCompany

PASSWORD = "a-long-e2e-passphrase-42"
# A tiny but valid PDF: header, one empty page, xref and trailer.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n"
)

# Every input, select and textarea a person can see must have a label (or an aria name).
UNLABELLED_FIELDS_JS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && el.getClientRects().length > 0)
  .filter(el => {
    if ((el.getAttribute('aria-label') || '').trim()) return false;
    const by = el.getAttribute('aria-labelledby');
    if (by && by.split(/\\s+/).some(id => (document.getElementById(id)?.textContent || '').trim())) return false;
    return !Array.from(el.labels || []).some(label => label.textContent.trim());
  })
  .map(el => el.outerHTML.slice(0, 160))"""

# Elements that stick out to the right of the viewport, unless a scrolling container clips them.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p); if (['auto', 'scroll', 'hidden'].includes(s.overflowX)) return true; }
    return false; };
  const culprits = Array.from(document.body.querySelectorAll('*'))
    .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : ''));
  return {scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 10)};
}"""


def unlabelled_fields(page: Page) -> list[str]:
    return page.evaluate(UNLABELLED_FIELDS_JS)


def assert_fits_width(page: Page) -> None:
    result = page.evaluate(OVERFLOW_JS)
    assert result["scrollWidth"] <= result["width"], f"{page.url} overflows: {result}"


def assert_in_view(page: Page, locator) -> None:
    """Visible, and inside the viewport horizontally (reachable without scrolling sideways)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (locator, box)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")  # in whichever language the page speaks
    expect(page).not_to_have_url(re.compile(r"/login/"))


CONFIRM_LINK = re.compile(r"https?://[^\s/]+(/signup/confirm/\S+/)")


def confirm_signup(page: Page, text: str) -> None:
    """Open the newest sign-up confirmation link in `text` (an email's body, or the console that
    `make run`'s web process prints its emails to) and confirm, in whichever language."""
    links = CONFIRM_LINK.findall(text)
    assert links, "no sign-up confirmation link was sent"
    page.goto(links[-1])
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/signup/"))


def sandbox_company(company) -> SandboxCompany:
    return SandboxCompany.objects.get(pk=company.codat_company_id)


def ledger(company, data_type: str, record_id: str) -> dict:
    record = store.ledger_get(sandbox_company(company), data_type, record_id)
    assert record is not None, f"{data_type} {record_id} is not in the sandbox ledger"
    return record


def money(value) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True)
class PayPlan:
    """Two bills of one supplier to pay in one payment, a third to pay partly, and the account."""

    pair: tuple[Bill, Bill]
    partial: Bill
    account: LedgerAccount


def pay_plan(company) -> PayPlan:
    """Pick payable bills from the synced books: a supplier with two or more open bills in a
    currency that a bank (debit) account of the books can pay."""
    payable = (
        Bill.objects.filter(TO_PAY, company=company)
        .exclude(codat_supplier_id="")
        .order_by("due_date", "pk")
    )
    accounts = [
        a
        for a in LedgerAccount.objects.filter(company=company).order_by("pk")
        if account_usable(a) and account_kind(a) == "Debit"
    ]
    for account in accounts:
        bills = [b for b in payable if b.currency == account.currency and b.is_in_books]
        by_supplier: dict[str, list[Bill]] = {}
        for bill in bills:
            by_supplier.setdefault(bill.codat_supplier_id, []).append(bill)
        for supplier_bills in by_supplier.values():
            if len(supplier_bills) >= 2:
                first, second = supplier_bills[:2]
                rest = [b for b in bills if b.pk not in (first.pk, second.pk)]
                if rest:
                    return PayPlan(pair=(first, second), partial=rest[0], account=account)
    raise AssertionError("the generated books have no supplier with two payable bills")


def today():
    return timezone.localdate()
