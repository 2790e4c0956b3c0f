"""The data types the sandbox's books hold, and the fields Codat's query strings may name in each."""

from billpay.sandbox import query

# Every data type the generated books hold: a seeded company (books read long ago) has all of them
# in the cache. Which of them a first read after linking fetches is SANDBOX_FIRST_READ_DATA_TYPES.
BOOK_TYPES = (
    "bankAccounts",
    "billCreditNotes",
    "bills",
    "billPayments",
    "chartOfAccounts",
    "company",
    "paymentMethods",
    "suppliers",
    "taxRates",
)
QUEUEABLE_TYPES = (*BOOK_TYPES, "trackingCategories", "journals")
# A dataset of one type refreshes the records stored under another.
RECORD_TYPE = {"bankAccounts": "chartOfAccounts"}
BATCH = 2000

_COMMON = {"id", "metadata", "modifiedDate", "sourceModifiedDate", "supplementalData"}
_HOT_COLUMNS = {
    "id": ("record_id", "str"),
    "modifiedDate": ("modified_date", "datetime"),
    "metadata.isDeleted": ("is_deleted", "bool"),
}


def _schema(name: str, fields: set[str], arrays: set[str] = frozenset()) -> query.Schema:
    return query.Schema(
        name=name,
        fields=frozenset(fields | _COMMON | set(arrays)),
        arrays=frozenset(arrays),
        columns=_HOT_COLUMNS,
    )


SCHEMAS = {
    "bills": _schema(
        "Bill",
        {"reference", "supplierRef", "issueDate", "dueDate", "currency", "currencyRate", "note"}
        | {"status", "subTotal", "taxAmount", "totalAmount", "amountDue"},
        {"lineItems", "paymentAllocations", "purchaseOrderRefs", "withholdingTax"},
    ),
    "suppliers": _schema(
        "Supplier",
        {"supplierName", "contactName", "emailAddress", "phone", "registrationNumber"}
        | {"taxNumber", "status", "defaultCurrency"},
        {"addresses"},
    ),
    "chartOfAccounts": _schema(
        "Account",
        {"nominalCode", "name", "description", "fullyQualifiedCategory", "fullyQualifiedName"}
        | {"currency", "currentBalance", "type", "status", "isBankAccount"},
        {"validDatatypeLinks"},
    ),
    "billPayments": _schema(
        "BillPayment",
        {"supplierRef", "accountRef", "totalAmount", "currency", "currencyRate", "date", "note"}
        | {"paymentMethodRef", "reference"},
        {"lines"},
    ),
    "taxRates": _schema(
        "TaxRate",
        {"name", "code", "status", "effectiveTaxRate", "totalTaxRate"},
        {"components", "validDatatypeLinks"},
    ),
    "paymentMethods": _schema("PaymentMethod", {"name", "type", "status"}),
    "billCreditNotes": _schema(
        "BillCreditNote",
        {"billCreditNoteNumber", "supplierRef", "totalAmount", "remainingCredit", "status"}
        | {"currency", "currencyRate", "issueDate", "note", "subTotal", "totalTaxAmount"}
        | {"totalDiscount", "discountPercentage", "allocatedOnDate"},
        {"lineItems", "paymentAllocations", "withholdingTax"},
    ),
    "trackingCategories": _schema("TrackingCategory", {"name", "parentId", "status"}),
    "journals": _schema("Journal", {"journalCode", "name", "status", "type"}),
}
