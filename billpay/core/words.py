"""Plain words for what the books and Codat call by API names, in one place.

Statuses, data types, field names and platforms arrive as Codat spells them ("PartiallyPaid",
"taxRates", "accountName", "qhyg"); nothing on screen should. Each function takes the API
value and returns what an owner reads; an unknown value falls back to readable words rather than
leaking the raw name ("someNewType" → "Some new type").
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

# A bill's status in the books (Codat's BillStatus).
BILL_STATUSES = {
    "Draft": _("Draft"),
    "Open": _("Unpaid"),
    "PartiallyPaid": _("Partly paid"),
    "Paid": _("Paid"),
    "Void": _("Voided"),
    "Unknown": _("Unknown"),
}
# Codat's data types (and the app's names for them).
DATA_TYPES = {
    "accounts": _("Accounts"),
    "chartOfAccounts": _("Accounts"),
    "bankAccounts": _("Bank accounts"),
    "billCreditNotes": _("Credit notes"),
    "billPayments": _("Bill payments"),
    "bills": _("Bills"),
    "company": _("Company details"),
    "paymentMethods": _("Payment methods"),
    "suppliers": _("Suppliers"),
    "taxRates": _("Tax rates"),
}
# Field names in the books' validation messages (Codat's JSON field names).
FIELDS = {
    "accountName": _("Account name"),
    "accountNumber": _("Account number"),
    "accountType": _("Account type"),
    "currency": _("Currency"),
    "dueDate": _("Due date"),
    "issueDate": _("Issue date"),
    "nominalCode": _("Account code"),
    "reference": _("Reference"),
    "sortCode": _("Sort code"),
    "supplierName": _("Supplier name"),
    "supplierRef": _("Supplier"),
    "supplierRef.id": _("Supplier"),
    "totalAmount": _("Amount"),
}
# An account's status in the books.
ACCOUNT_STATUSES = {
    "Active": _("Active"),
    "Archived": _("Closed"),
    "Pending": _("Being set up"),
    "Unknown": _("Unknown"),
}
# Codat's platform keys → the accounting software's name.
PLATFORMS = {
    "akxx": "Oracle NetSuite",
    "fbrh": "FreeAgent",
    "gbol": "Xero",
    "knfz": "Sage Intacct",
    "mqjo": "Xero",
    "pdvj": "Sage Business Cloud",
    "qhyg": "QuickBooks Online",
    "rwuv": "Zoho Books",
}


def humanize(name: str) -> str:
    """An API name as words: "partiallyPaid" → "Partially paid", "line_items.0" → "Line items 0"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    words = re.sub(r"[_.\-\[\]]+", " ", words).strip().lower()
    return words[:1].upper() + words[1:]


def _known(words: dict, value: str) -> str:
    """The plain words for a known API name, in the active language; else the name as words."""
    label = words.get(value)
    return str(label) if label else humanize(value)


def bill_status(value: str | None) -> str:
    """A bill's status in the books, in words ("PartiallyPaid" → "Partly paid")."""
    return _bill_status(value or "", get_language())


@lru_cache(maxsize=256)
def _bill_status(value: str, language: str | None) -> str:
    """Remembered per language: the inbox words 50 statuses a page, nearly all the same few."""
    if not value:
        return gettext("Unknown")
    return _known(BILL_STATUSES, value)


def data_type_name(value: str) -> str:
    """A data type, in words ("taxRates" → "Tax rates")."""
    return _known(DATA_TYPES, value)


def field_name(value: str) -> str:
    """A field of a record in the books, in words ("lineItems.0.accountRef" → "Line items 0 account ref")."""
    return _known(FIELDS, value)


def account_status(value: str | None) -> str:
    """An account's status in the books ("Archived" → "Closed")."""
    if not value:
        return "—"
    return _known(ACCOUNT_STATUSES, value)


def platform_name(key: str) -> str:
    """The accounting software behind a platform key, never the key itself."""
    return PLATFORMS.get(key) or gettext("Your accounting software")


def payment_method(key: str) -> str:
    """A payment method's name ("bank_transfer" → "Bank transfer / ACH")."""
    for method, label, _kind in settings.PAYMENT_METHODS:
        if method == key:
            return label
    return humanize(key)
