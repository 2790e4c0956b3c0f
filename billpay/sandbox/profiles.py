"""Platform profiles: one table drives both `options/{dataType}` answers and push validation."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    """How one accounting platform behaves behind a connection."""

    key: str
    name: str
    base_currency: str
    currencies: tuple[str, ...]  # currencies enabled in the books; bills and accounts must use them
    id_style: str = "uuid"  # "numeric" like QuickBooks ("145"), or "uuid" like Xero
    bank_account_types: tuple[str, ...] = ("Debit", "Credit")
    # field path -> max length, per data type
    max_lengths: dict[str, dict[str, int]] = field(default_factory=dict)
    # field paths the platform insists on, per data type, beyond the common ones
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    one_bill_link_per_line: bool = False  # Xero: only the one-line-per-bill payment format
    # A bill in a foreign currency may be paid from an account in the base currency, the link
    # amount staying in the bill's currency and currencyRate relating the two (QBO and Xero).
    foreign_bills_paid_in_base: bool = False
    # One bill payment may pay bills of several suppliers: no supplierRef, in the base currency
    # only (CODAT.md §8 "Batch across suppliers: Xero only"; the spec's Xero options/billPayments
    # has no supplierRef and says a batch payment must be in the company's base currency).
    batch_across_suppliers: bool = False
    # Deletes (the spec's delete-bill and delete-billPayment "Integration specifics"): which
    # platforms take them at all, and how.
    deletes_bills: bool = False
    # Xero deletes only draft bills; a posted (Open) bill is voided instead.
    voids_posted_bills: bool = False
    # NetSuite, Intacct and Xero refuse to delete a bill with payments: those go first. QuickBooks
    # deletes it and turns its payments into payments on account.
    bill_payments_go_first: bool = False
    deletes_bill_payments: bool = False
    # Data types the platform does not have: reads end NotSupported, options and pushes are 404.
    unsupported: frozenset[str] = frozenset()

    def supports(self, data_type: str) -> bool:
        return data_type not in self.unsupported

    # Credit notes against bills (CODAT.md §8 "Credit note against bill"): a bill payment line
    # with a `Bill` link (negative) and a `CreditNote` link (positive). MYOB: not supported.
    credit_notes_in_payments: bool = True
    # QBO and Xero: a credit allocation is a bill payment of its own, `totalAmount: 0`; cash for
    # the rest needs a separate bill payment. NetSuite and Intacct take credit + cash in one.
    credit_with_cash: bool = True
    # Xero: one line holding exactly one Bill and one CreditNote link per credit allocation.
    one_credit_allocation_per_payment: bool = False


PROFILES: dict[str, Profile] = {
    "qhyg": Profile(
        key="qhyg",
        name="QuickBooks Online",
        base_currency="USD",
        currencies=("USD", "GBP", "EUR", "CAD"),
        id_style="numeric",
        foreign_bills_paid_in_base=True,
        deletes_bills=True,
        deletes_bill_payments=True,
        credit_with_cash=False,
        max_lengths={
            # QuickBooks' DocNumber is 21 characters; DisplayName 100.
            "bills": {"reference": 21, "note": 4000},
            "billCreditNotes": {"billCreditNoteNumber": 21, "note": 4000},
            "billPayments": {"reference": 21, "note": 4000},
            "suppliers": {"supplierName": 100, "contactName": 100},
            "bankAccounts": {"accountName": 100, "nominalCode": 7},
        },
    ),
    "gbol": Profile(
        key="gbol",
        name="Xero",
        base_currency="GBP",
        currencies=("GBP", "USD", "EUR"),
        bank_account_types=("Debit",),  # Xero cannot create credit (card) accounts through Codat
        max_lengths={
            "bills": {"reference": 255},
            "billCreditNotes": {"billCreditNoteNumber": 255},
            "billPayments": {"reference": 255},
            "suppliers": {"supplierName": 255, "contactName": 255},
            "bankAccounts": {"accountName": 150, "nominalCode": 10},
        },
        required={"bankAccounts": ("accountNumber",)},
        one_bill_link_per_line=True,
        foreign_bills_paid_in_base=True,
        batch_across_suppliers=True,
        deletes_bills=True,
        voids_posted_bills=True,
        bill_payments_go_first=True,
        deletes_bill_payments=True,  # a soft delete in Xero: gone from the books all the same
        credit_with_cash=False,
        one_credit_allocation_per_payment=True,
    ),
    "akxx": Profile(
        key="akxx",
        name="Oracle NetSuite",
        base_currency="USD",
        currencies=("USD", "GBP", "EUR", "CAD", "AUD"),
        id_style="numeric",
        max_lengths={
            "bills": {"reference": 45},
            "billCreditNotes": {"billCreditNoteNumber": 45},
            "billPayments": {"reference": 45},
            "suppliers": {"supplierName": 83},
            "bankAccounts": {"accountName": 31, "nominalCode": 60},
        },
        # NetSuite subsidiaries with mandatory locations need the location as the reference.
        required={"billPayments": ("reference",), "bankAccounts": ("nominalCode",)},
        deletes_bills=True,
        bill_payments_go_first=True,
        deletes_bill_payments=True,
    ),
}
# Platforms the sandbox emulates for their rules but does not offer on its consent page.
# MYOB: Codat documents no credit-note allocation through bill payments. The key is ours (the
# docs we code to name no MYOB key).
UNLISTED_PROFILES: dict[str, Profile] = {}
UNLISTED_PROFILES["myob"] = Profile(
    key="myob",
    name="MYOB AccountRight",
    base_currency="GBP",  # the demo-data generator's currencies
    currencies=("GBP", "USD", "EUR"),
    credit_notes_in_payments=False,
)
DEFAULT_PROFILE = Profile(
    key="", name="Accounting Platform", base_currency="GBP", currencies=("GBP", "USD", "EUR")
)
PLATFORM_NAMES = {
    "fbrh": "FreeAgent",
    "knfz": "Sage Intacct",
    "rwuv": "Zoho Books",
    "pdvj": "Sage Business Cloud",
    "mqjo": "Xero (legacy)",
    "pqsw": "QuickBooks Desktop",
}
# Platforms without a profile of their own that still take deletes (CODAT.md §8).
DELETE_RULES: dict[str, dict[str, bool]] = {
    "pqsw": {"deletes_bills": True, "deletes_bill_payments": True},
    "knfz": {"deletes_bills": True, "bill_payments_go_first": True, "deletes_bill_payments": True},
}
# The emulator's platforms without bill credit notes (Codat's "Datatype billCreditNotes not
# supported by platform(s) …"): a sync of such a company must go on without them.
UNSUPPORTED_TYPES: dict[str, frozenset[str]] = {"pdvj": frozenset({"billCreditNotes"})}


def get_profile(platform_key: str) -> Profile:
    """The profile for a platform key; unknown keys get the default behaviour under their name."""
    if platform_key in PROFILES:
        return PROFILES[platform_key]
    if platform_key in UNLISTED_PROFILES:
        return UNLISTED_PROFILES[platform_key]
    name = PLATFORM_NAMES.get(platform_key, f"Accounting Platform ({platform_key})")
    return Profile(
        key=platform_key,
        name=name,
        base_currency=DEFAULT_PROFILE.base_currency,
        currencies=DEFAULT_PROFILE.currencies,
        **DELETE_RULES.get(platform_key, {}),
        unsupported=UNSUPPORTED_TYPES.get(platform_key, frozenset()),
    )


def delete_supported(profile: Profile, data_type: str) -> bool:
    """Whether the platform takes `DELETE …/push/{data_type}/{id}` at all."""
    if data_type == "bills":
        return profile.deletes_bills
    if data_type == "billPayments":
        return profile.deletes_bill_payments
    return False


OPTION_DATA_TYPES = (
    "bills",
    "suppliers",
    "billPayments",
    "bankAccounts",
    "chartOfAccounts",
    "billCreditNotes",
    "journals",
    "journalEntries",
)

# data type -> (field, option type, display name, required everywhere, nested fields)
_FIELDS: dict[str, list[tuple]] = {
    "bills": [
        ("reference", "String", "Reference", False, None),
        ("supplierRef", "Object", "Supplier", True, [("id", "String", "Supplier ID", True)]),
        ("issueDate", "DateTime", "Issue date", True, None),
        ("dueDate", "DateTime", "Due date", True, None),
        ("currency", "String", "Currency", True, None),
        ("currencyRate", "Number", "Currency rate", False, None),
        ("status", "String", "Status", True, None),
        (
            "lineItems",
            "Array",
            "Line items",
            True,
            [
                ("description", "String", "Description", False),
                ("unitAmount", "Number", "Unit amount", True),
                ("quantity", "Number", "Quantity", True),
                ("accountRef", "Object", "Account", True),
                ("taxRateRef", "Object", "Tax rate", False),
            ],
        ),
        ("subTotal", "Number", "Sub total", True, None),
        ("taxAmount", "Number", "Tax amount", True, None),
        ("totalAmount", "Number", "Total amount", True, None),
        ("note", "String", "Note", False, None),
    ],
    "suppliers": [
        ("supplierName", "String", "Supplier name", True, None),
        ("contactName", "String", "Contact name", False, None),
        ("emailAddress", "String", "Email address", False, None),
        ("phone", "String", "Phone", False, None),
        ("defaultCurrency", "String", "Default currency", False, None),
        ("status", "String", "Status", True, None),
    ],
    "billPayments": [
        ("supplierRef", "Object", "Supplier", True, [("id", "String", "Supplier ID", True)]),
        ("accountRef", "Object", "Bank account", True, [("id", "String", "Account ID", True)]),
        ("totalAmount", "Number", "Total amount", True, None),
        ("currency", "String", "Currency", True, None),
        ("currencyRate", "Number", "Currency rate", False, None),
        ("date", "DateTime", "Payment date", True, None),
        ("reference", "String", "Reference", False, None),
        ("note", "String", "Note", False, None),
        ("lines", "Array", "Lines", True, [("amount", "Number", "Amount", True)]),
    ],
    "billCreditNotes": [
        ("billCreditNoteNumber", "String", "Credit note number", False, None),
        ("supplierRef", "Object", "Supplier", True, [("id", "String", "Supplier ID", True)]),
        ("issueDate", "DateTime", "Issue date", True, None),
        ("currency", "String", "Currency", True, None),
        ("currencyRate", "Number", "Currency rate", False, None),
        ("status", "String", "Status", True, None),
        (
            "lineItems",
            "Array",
            "Line items",
            True,
            [
                ("description", "String", "Description", False),
                ("unitAmount", "Number", "Unit amount", True),
                ("quantity", "Number", "Quantity", True),
                ("accountRef", "Object", "Account", True),
                ("taxRateRef", "Object", "Tax rate", False),
            ],
        ),
        ("subTotal", "Number", "Sub total", True, None),
        ("totalTaxAmount", "Number", "Total tax amount", True, None),
        ("totalDiscount", "Number", "Total discount", True, None),
        ("discountPercentage", "Number", "Discount percentage", True, None),
        ("totalAmount", "Number", "Total amount", True, None),
        ("note", "String", "Note", False, None),
    ],
    "bankAccounts": [
        ("accountName", "String", "Account name", True, None),
        ("accountType", "String", "Account type", True, None),
        ("accountNumber", "String", "Account number", False, None),
        ("nominalCode", "String", "Nominal code", False, None),
        ("currency", "String", "Currency", True, None),
        ("institution", "String", "Institution", False, None),
    ],
}


def _choice(value: str) -> dict:
    return {"value": value, "type": "String", "displayName": value, "required": False}


def _required(profile: Profile, data_type: str, path: str, required: bool) -> bool:
    if profile.batch_across_suppliers and (data_type, path) == ("billPayments", "supplierRef"):
        return False  # a batch payment across suppliers has none
    return required or path in profile.required.get(data_type, ())


def _property(profile: Profile, data_type: str, spec: tuple, prefix: str = "") -> dict:
    name, kind, display, required = spec[:4]
    path = f"{prefix}{name}"
    node: dict = {
        "type": kind,
        "displayName": display,
        "description": f"{display} ({profile.name})",
        "required": _required(profile, data_type, path, required),
    }
    limit = profile.max_lengths.get(data_type, {}).get(path)
    if limit:
        node["validation"] = {
            "warnings": [{"field": path, "details": f"Max length of {limit} characters."}],
            "information": [],
        }
    if name in ("currency", "defaultCurrency"):
        node["options"] = [_choice(code) for code in profile.currencies]
    if data_type == "bankAccounts" and name == "accountType":
        node["options"] = [_choice(value) for value in profile.bank_account_types]
    if data_type == "suppliers" and name == "status":
        node["options"] = [_choice("Active"), _choice("Archived")]
    if data_type == "billCreditNotes" and name == "status":
        node["options"] = [_choice("Submitted"), _choice("Draft")]
    nested = spec[4] if len(spec) > 4 else None
    if nested:
        node["properties"] = {
            child[0]: _property(profile, data_type, child, prefix=f"{path}.") for child in nested
        }
    return node


def push_options(profile: Profile, data_type: str) -> dict:
    """The PushOption tree `GET …/options/{dataType}` answers for this platform."""
    fields = _FIELDS.get(data_type, [])
    return {
        "type": "Object",
        "displayName": data_type,
        "description": f"{data_type} on {profile.name}",
        "required": True,
        "properties": {spec[0]: _property(profile, data_type, spec) for spec in fields},
        "options": None,
        "validation": {"warnings": [], "information": []},
    }
