"""No English on a French page (issue 14, point 5): what a French reader sees, checked for our
English.

`english_on_page(page)` gathers what a person can read or hear: the body's visible text, the
`<title>`, and every `title`, `aria-label`, `placeholder` and `alt` attribute and `<option>` text.
It returns the English phrases found there, taken from two places:

- our catalogue: every msgid whose French differs, cut at its placeholders and tags into the
  fragments a page can show ("Pay %(counter)s bills from %(name)s" gives "Pay" and "bills from").
  A fragment is too ambiguous to count when it is a single short word, or when the French
  catalogue itself uses it (a word such as "Total", "Date" or "Note", or "QuickBooks Online");
- a curated list of English words that would not come from our catalogue: Codat's data types and
  statuses, Django's own messages, the sandbox's consent page, the browser's and widgets' words.

The business's own data is not our words: supplier names, bill references and descriptions,
account and tax rate names come from the books (the sandbox generates them in English) and may
stay English. They are blanked out before the scan (`business_texts()`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from playwright.sync_api import Page

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# Words that are the same in both languages, names, codes: never evidence of English.
NEUTRAL = {
    "BillPay", "Codat", "QuickBooks Online", "Xero", "Sage", "Sage Business Cloud Accounting",
    "OK", "PDF", "PNG", "JPEG", "CSV", "ACH", "IBAN", "BIC", "ID", "URL", "API", "Email", "E-mail",
    "English",  # the language chooser names each language in its own language
}  # fmt: skip

# English that does not come from our catalogue: Codat's statuses and types as the books send
# them, Django's and the browser's own words, consent-page scopes.
CURATED = (
    # Codat values shown raw would be English
    "Draft", "Open", "PartiallyPaid", "Paid", "Void", "Unknown", "Pending", "Failed", "Success",
    "Linked", "PendingAuth", "Unlinked", "Deauthorized", "Archived", "Debit", "Credit",
    "Asset", "Liability", "Expense", "Income", "Equity", "BankTransfer", "CreditCard", "Cheque",
    "Check", "Cash", "Card", "TimedOut", "Submitted", "Verified", "Approved", "Rejected",
    "Overdue", "Due", "Cancelled", "Scheduled", "Queued", "None", "True", "False", "null",
    "undefined", "NaN",
    # Django's own messages and widgets
    "This field is required", "Enter a valid", "Ensure this value", "Select a valid choice",
    "Please enter", "Please correct", "Currently", "Change", "Clear", "Choose File",
    "No file chosen", "Forbidden", "Not Found", "Server Error", "Page not found",
    "CSRF verification failed", "Log in", "Log out", "Sign up", "Username", "Password",
    # everyday interface words
    "Bills", "Bill", "Suppliers", "Supplier", "Payments", "Payment", "Settings", "Search", "Save",
    "Cancel", "Approve", "Back", "Next", "Previous", "Loading", "Error", "Home", "Help",
    "Amount", "Account", "Accounts", "Currency", "Reference", "Status", "Invoice",
    "Yes", "No", "and", "the", "your", "with", "from", "for", "of", "to", "in your books",
    # the sandbox's consent page and the Codat link flow
    "Allow access", "Read your", "Create and update", "Record bill payments", "authorise",
    "authorize", "on behalf of", "disconnect",
    # months and days, from a date formatted outside the active language
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.", "a.m.", "p.m.",
    "ago", "hour", "hours", "day", "days", "week", "weeks", "month",
)  # fmt: skip

# What a person can read or hear on the page, at this size.
READABLE_JS = """() => {
  const out = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const value = el.getAttribute(name); if (value) out.push(value);
    }
  }
  for (const option of document.querySelectorAll('option')) out.push(option.textContent);
  return out;
}"""

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|<[^>]*>|&\w+;")
WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*")


def _french_words(entries) -> tuple[set[str], str]:
    french = " ".join(e[1] for e in entries)
    return {w.lower() for w in WORD.findall(french)}, french.lower()


@cache
def catalogue_phrases() -> tuple[str, ...]:
    """English fragments of the catalogue that a French page must not show."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    entries = []
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        entries += [(i, s) for i in ids for s in strs if s and s != i]
    french_words, french = _french_words(entries)
    phrases = set()
    for english, _ in entries:
        for fragment in PLACEHOLDER.split(english):
            fragment = fragment.strip(" \t\n.,:;!?…—–-()[]“”\"'«»/·|")
            words = WORD.findall(fragment)
            if not words or fragment in NEUTRAL:
                continue
            if len(words) == 1:
                word = words[0]
                if len(word) < 4 or word.lower() in french_words or word.isupper():
                    continue
            elif fragment.lower() in french:
                continue
            phrases.add(fragment)
    return tuple(sorted(phrases, key=len, reverse=True))


@cache
def curated_phrases() -> tuple[str, ...]:
    """The curated list, less any single word the French catalogue uses too ("Total")."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    french_words, _ = _french_words(
        [
            (None, s)
            for m in catalogue
            for s in (m.string if isinstance(m.string, tuple) else (m.string,))
        ]
    )
    return tuple(p for p in CURATED if " " in p or p.lower() not in french_words)


@cache
def _pattern() -> re.Pattern:
    phrases = set(catalogue_phrases()) | set(curated_phrases())
    alternatives = sorted(phrases, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in alternatives)
    # Whole words only: "Paid" is not in "Payée", "Check" is not in "Checking".
    return re.compile(rf"(?<![\w’'-])(?:{body})(?![\w’'-])")


# Keys of the books' records whose values are the business's own free text.
BUSINESS_KEYS = {
    "name", "supplierName", "contactName", "description", "note", "reference", "fullyQualifiedName",
    "line1", "line2", "city", "region", "country", "itemName", "companyName", "emailAddress",
}  # fmt: skip


def business_texts() -> list[str]:
    """The business's own words, as the sandbox books and our database hold them."""
    from billpay.bills.models import Bill, Supplier
    from billpay.mapping.models import LedgerAccount
    from billpay.onboarding.models import Company, User
    from billpay.sandbox.models import SandboxLedgerRecord

    texts: set[str] = set()

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in BUSINESS_KEYS and len(value) > 1:
            texts.add(value)

    # Not the books' payment methods ("Cash", "Cheque", "Card"): the app names methods in its own words.
    records = SandboxLedgerRecord.objects.exclude(data_type="paymentMethods")
    for data in records.values_list("data", flat=True):
        walk(data)
    texts.update(Supplier.objects.values_list("name", flat=True))
    texts.update(Bill.objects.values_list("reference", flat=True))
    texts.update(Bill.objects.values_list("supplier_name", flat=True))
    texts.update(LedgerAccount.objects.values_list("name", flat=True))
    texts.update(Company.objects.values_list("name", flat=True))
    for full_name in User.objects.values_list("full_name", flat=True):
        texts.update((full_name, *full_name.split()))
    return sorted((t for t in texts if t and t.strip()), key=len, reverse=True)


def without(text: str, business: list[str]) -> str:
    for value in business:
        if value in text:
            text = text.replace(value, "¤")  # kept as a mark: "¤: 12,00 €" is still glued
    return text


# French typography: a space (non-breaking) before « : », « ; », « ! » and « ? ». Missing, it is
# a sign of English punctuation written around translated words ("INV-1: 12,00 €"). Times
# (19:46) and URLs have no space after the mark, so they do not match.
GLUED = re.compile(r"[^\W_][:;!?](?=\s|$)|[)»”¤][:;!?](?=\s|$)")


def english_in(texts: list[str], business: list[str]) -> list[str]:
    """The English phrases (and English punctuation) in these texts, once each, in reading order."""
    found: dict[str, None] = {}
    for text in texts:
        for line in without(text, business).splitlines():
            for match in _pattern().finditer(line):
                found[f"“{match.group(0)}” in “{line.strip()[:120]}”"] = None
            for match in GLUED.finditer(line):
                found[f"no space before “{match.group(0)[-1]}” in “{line.strip()[:120]}”"] = None
    return list(found)


def english_on_page(page: Page) -> list[str]:
    return english_in(page.evaluate(READABLE_JS), business_texts())
