"""Plain words for what the books and Codat call by API names, in one place.

Statuses, data types, field names and platforms arrive as Codat spells them ("PartiallyPaid",
"taxRates", "accountName", "qhyg"); nothing on screen should. Each function takes the API
value and returns what an owner reads; an unknown value falls back to readable words rather than
leaking the raw name ("someNewType" → "Some new type").
"""

from __future__ import annotations

import re

from django.conf import settings

# A bill's status in the books (Codat's BillStatus).
BILL_STATUSES = {
    "Draft": "Draft",
    "Open": "Unpaid",
    "PartiallyPaid": "Partly paid",
    "Paid": "Paid",
    "Void": "Voided",
    "Unknown": "Unknown",
}
# Codat's data types (and the app's names for them).
DATA_TYPES = {
    "accounts": "Accounts",
    "chartOfAccounts": "Accounts",
    "bankAccounts": "Bank accounts",
    "billCreditNotes": "Credit notes",
    "billPayments": "Bill payments",
    "bills": "Bills",
    "company": "Company details",
    "paymentMethods": "Payment methods",
    "suppliers": "Suppliers",
    "taxRates": "Tax rates",
}
# Field names in the books' validation messages (Codat's JSON field names).
FIELDS = {
    "accountName": "Account name",
    "accountNumber": "Account number",
    "accountType": "Account type",
    "currency": "Currency",
    "dueDate": "Due date",
    "issueDate": "Issue date",
    "nominalCode": "Account code",
    "reference": "Reference",
    "sortCode": "Sort code",
    "supplierName": "Supplier name",
    "supplierRef": "Supplier",
    "supplierRef.id": "Supplier",
    "totalAmount": "Amount",
}
# An account's status in the books.
ACCOUNT_STATUSES = {
    "Active": "Active",
    "Archived": "Closed",
    "Pending": "Being set up",
    "Unknown": "Unknown",
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


def bill_status(value: str | None) -> str:
    """A bill's status in the books, in words ("PartiallyPaid" → "Partly paid")."""
    if not value:
        return "Unknown"
    return BILL_STATUSES.get(value) or humanize(value)


def data_type_name(value: str) -> str:
    """A data type, in words ("taxRates" → "Tax rates")."""
    return DATA_TYPES.get(value) or humanize(value)


def field_name(value: str) -> str:
    """A field of a record in the books, in words ("lineItems.0.accountRef" → "Line items 0 account ref")."""
    return FIELDS.get(value) or humanize(value)


def account_status(value: str | None) -> str:
    """An account's status in the books ("Archived" → "Closed")."""
    if not value:
        return "—"
    return ACCOUNT_STATUSES.get(value) or humanize(value)


def platform_name(key: str) -> str:
    """The accounting software behind a platform key, never the key itself."""
    return PLATFORMS.get(key) or "Your accounting software"


def payment_method(key: str) -> str:
    """A payment method's name ("bank_transfer" → "Bank transfer / ACH")."""
    for method, label, _kind in settings.PAYMENT_METHODS:
        if method == key:
            return label
    return humanize(key)
