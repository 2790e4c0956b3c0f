"""What a push does to the ledger when it completes: validate against the platform, then apply."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from billpay.sandbox import store
from billpay.sandbox.models import SandboxAttachment, SandboxCompany, SandboxPushOperation
from billpay.sandbox.profiles import Profile

ZERO = Decimal("0")


class Invalid(Exception):
    """The push fails: `items` are Codat validation items {itemId, message, validatorName}."""

    def __init__(self, items: list[dict]):
        super().__init__("; ".join(item["message"] for item in items))
        self.items = items


@dataclass(frozen=True)
class Outcome:
    """A successful write: which record changed and how (a PushOperationChange)."""

    record_id: str
    change: str  # Created, Modified, Deleted or AttachmentUploaded
    data_type: str
    attachment_id: str | None = None


class Checks:
    """Collects validation items for one record."""

    def __init__(self, validator: str):
        self.validator = validator
        self.items: list[dict] = []

    def fail(self, item_id: str, message: str) -> None:
        self.items.append({"itemId": item_id, "message": message, "validatorName": self.validator})

    def done(self) -> None:
        if self.items:
            raise Invalid(self.items)

    def money(self, body: dict, name: str, *, required: bool = True) -> Decimal | None:
        value = body.get(name)
        if value is None:
            if required:
                self.fail(name, f"{name} is required.")
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(name, f"{name} must be a number.")
            return None
        return Decimal(value)

    def text(self, body: dict, path: str, profile: Profile, data_type: str, required=False):
        value = dig(body, path)
        limit = profile.max_lengths.get(data_type, {}).get(path)
        if value in (None, "") and (required or path in profile.required.get(data_type, ())):
            self.fail(path, f"{path} is required by {profile.name}.")
        elif value is not None and not isinstance(value, str):
            self.fail(path, f"{path} must be a string.")
        elif value and limit and len(value) > limit:
            self.fail(path, f"{path} must not be longer than {limit} characters on {profile.name}.")
        return value

    def currency(self, value, profile: Profile, item_id: str = "currency") -> None:
        if not value:
            self.fail(item_id, f"{item_id} is required.")
        elif value not in profile.currencies:
            allowed = ", ".join(profile.currencies)
            self.fail(item_id, f"Currency {value} is not enabled on {profile.name} ({allowed}).")


def dig(body: dict, path: str):
    """The value at a dot path, or None."""
    value = body
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def new_id(company: SandboxCompany, data_type: str, profile: Profile) -> str:
    """A fresh ledger id in the platform's style: "146" for QuickBooks, a GUID for Xero."""
    if profile.id_style == "numeric":
        candidate = store.ledger_ids(company, data_type) + 1001
        while store.ledger_exists(company, data_type, str(candidate)):
            candidate += 1
        return str(candidate)
    return str(uuid.uuid4())


def derive_status(bill: dict) -> str:
    """Open, PartiallyPaid or Paid from amountDue; Draft and Void stay as they are."""
    if bill.get("status") in ("Draft", "Void"):
        return bill["status"]
    due, total = Decimal(bill.get("amountDue") or 0), Decimal(bill.get("totalAmount") or 0)
    if due <= ZERO and total > ZERO:
        return "Paid"
    if due < total:
        return "PartiallyPaid"
    return "Open"


def _check_bill(company, profile: Profile, body: dict, checks: Checks) -> dict:
    """Validate a bill body; returns the supplier record."""
    supplier = None
    supplier_id = dig(body, "supplierRef.id")
    if not supplier_id:
        checks.fail("supplierRef.id", "supplierRef.id is required.")
    else:
        supplier = store.ledger_get(company, "suppliers", supplier_id)
        if supplier is None:
            checks.fail("supplierRef.id", f"Supplier {supplier_id} does not exist.")
        elif supplier.get("status") == "Archived":
            checks.fail("supplierRef.id", f"Supplier {supplier_id} is archived.")
    for name in ("issueDate", "dueDate"):
        if not body.get(name):
            checks.fail(name, f"{name} is required.")
    checks.currency(body.get("currency"), profile)
    checks.text(body, "reference", profile, "bills")
    checks.text(body, "note", profile, "bills")
    sub_total = checks.money(body, "subTotal")
    tax = checks.money(body, "taxAmount")
    total = checks.money(body, "totalAmount")
    if None not in (sub_total, tax, total) and sub_total + tax != total:
        checks.fail("totalAmount", "totalAmount must equal subTotal + taxAmount.")
    lines = body.get("lineItems") or []
    if not lines:
        checks.fail("lineItems", "At least one line item is required.")
    line_sum = ZERO
    for index, line in enumerate(lines):
        prefix = f"lineItems[{index}]"
        unit = checks.money(line, "unitAmount")
        quantity = checks.money(line, "quantity")
        if unit is not None and quantity is not None:
            line_sum += Decimal(line.get("subTotal") or unit * quantity)
        account_id = dig(line, "accountRef.id")
        if not account_id or store.ledger_get(company, "chartOfAccounts", account_id) is None:
            checks.fail(f"{prefix}.accountRef.id", f"Account {account_id} does not exist.")
        tax_id = dig(line, "taxRateRef.id")
        if tax_id and store.ledger_get(company, "taxRates", tax_id) is None:
            checks.fail(f"{prefix}.taxRateRef.id", f"Tax rate {tax_id} does not exist.")
    if lines and sub_total is not None and line_sum != sub_total:
        checks.fail("lineItems", f"Line items add up to {line_sum}, not subTotal {sub_total}.")
    return supplier or {}


def bill_create(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Create a bill in the books."""
    body = dict(op.body or {})
    checks = Checks("Bill")
    supplier = _check_bill(company, profile, body, checks)
    if body.get("status", "Open") not in ("Open", "Draft"):
        checks.fail("status", "A new bill must be Open or Draft.")
    checks.done()
    record_id = new_id(company, "bills", profile)
    body.update(
        status=body.get("status", "Open"),
        amountDue=body["totalAmount"],
        paymentAllocations=[],
        supplierRef={"id": supplier["id"], "supplierName": supplier.get("supplierName")},
    )
    store.ledger_put(company, "bills", record_id, body)
    return Outcome(record_id, "Created", "bills")


def bill_update(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Replace a bill's details, keeping its payments (amountDue follows them)."""
    current = store.ledger_get(company, "bills", op.record_id)
    if current is None:
        raise Invalid([_missing("Bill", "bills", op.record_id)])
    body = dict(op.body or {})
    checks = Checks("Bill")
    supplier = _check_bill(company, profile, body, checks)
    allocations = current.get("paymentAllocations") or []
    paid = sum((Decimal(a["allocation"]["totalAmount"]) for a in allocations), ZERO)
    total = body.get("totalAmount")
    if isinstance(total, int | Decimal) and Decimal(total) < paid:
        checks.fail("totalAmount", f"totalAmount cannot be below the {paid} already paid.")
    checks.done()
    body.update(
        paymentAllocations=allocations,
        amountDue=Decimal(total) - paid,
        status=body.get("status") if body.get("status") in ("Draft", "Void") else "Open",
        supplierRef={"id": supplier["id"], "supplierName": supplier.get("supplierName")},
    )
    body["status"] = derive_status(body)
    store.ledger_put(company, "bills", op.record_id, body)
    return Outcome(op.record_id, "Modified", "bills")


def bill_delete(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Delete a bill, by the platform's rules (the spec's delete-bill "Integration specifics").

    NetSuite, Intacct and Xero refuse a bill with payments: they must be deleted first.
    QuickBooks deletes it and keeps its payments as payments on account. Xero deletes a draft
    bill but voids a posted one (it stays in the books, status Void).
    """
    current = store.ledger_get(company, "bills", op.record_id)
    if current is None:
        raise Invalid([_missing("Bill", "bills", op.record_id)])
    allocations = current.get("paymentAllocations") or []
    if allocations and profile.bill_payments_go_first:
        raise Invalid(
            [
                {
                    "itemId": op.record_id,
                    "message": "The bill has payments linked to it; delete its bill payments "
                    f"first ({profile.name} does not delete a bill with payments).",
                    "validatorName": "Bill",
                }
            ]
        )
    if profile.voids_posted_bills and current.get("status") != "Draft":
        if current.get("status") == "Void":
            raise Invalid(
                [
                    {
                        "itemId": op.record_id,
                        "message": f"Bill {op.record_id} is already void.",
                        "validatorName": "Bill",
                    }
                ]
            )
        store.ledger_put(
            company, "bills", op.record_id, {**current, "status": "Void", "amountDue": ZERO}
        )
        return Outcome(op.record_id, "Modified", "bills")
    for allocation in allocations:
        _to_payment_on_account(company, (allocation.get("payment") or {}).get("id"), op.record_id)
    store.ledger_delete(company, "bills", op.record_id)
    return Outcome(op.record_id, "Deleted", "bills")


def _to_payment_on_account(company, payment_id: str | None, bill_id: str) -> None:
    """QuickBooks: a deleted bill's payment stays, its link to the bill now on account."""
    payment = store.ledger_get(company, "billPayments", payment_id or "")
    if payment is None:
        return
    for line in payment.get("lines") or []:
        for link in line.get("links") or []:
            if link.get("type") == "Bill" and link.get("id") == bill_id:
                link["type"] = "PaymentOnAccount"
                link.pop("id", None)
    store.ledger_put(company, "billPayments", payment_id, payment)


def bill_attachment(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Attach the uploaded file to the bill."""
    if store.ledger_get(company, "bills", op.record_id) is None or op.attachment is None:
        raise Invalid([_missing("Bill", "bills", op.record_id)])
    SandboxAttachment.objects.filter(pk=op.attachment_id).update(is_visible=True)
    return Outcome(op.record_id, "AttachmentUploaded", "bills", str(op.attachment_id))


def bill_attachment_delete(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Remove a file from the bill."""
    removed = SandboxAttachment.objects.filter(
        company=company, bill_id=op.record_id, pk=op.attachment_id, is_visible=True
    ).update(is_visible=False)
    if not removed:
        raise Invalid([_missing("Attachment", "attachments", str(op.attachment_id))])
    return Outcome(op.record_id, "Deleted", "bills", str(op.attachment_id))


def credit_note_create(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Create a supplier's credit note (BillCreditNote): all of its credit still to use."""
    body = dict(op.body or {})
    checks = Checks("BillCreditNote")
    supplier = None
    supplier_id = dig(body, "supplierRef.id")
    if not supplier_id or not isinstance(supplier_id, str):
        checks.fail("supplierRef.id", "supplierRef.id is required.")
    else:
        supplier = store.ledger_get(company, "suppliers", supplier_id)
        if supplier is None:
            checks.fail("supplierRef.id", f"Supplier {supplier_id} does not exist.")
        elif supplier.get("status") == "Archived":
            checks.fail("supplierRef.id", f"Supplier {supplier_id} is archived.")
    if not body.get("issueDate"):
        checks.fail("issueDate", "issueDate is required.")
    checks.currency(body.get("currency"), profile)
    checks.text(body, "billCreditNoteNumber", profile, "billCreditNotes")
    checks.text(body, "note", profile, "billCreditNotes")
    status = body.get("status", "Submitted")
    if status not in ("Submitted", "Draft"):
        checks.fail("status", "A new credit note must be Submitted or Draft.")
    sub_total = checks.money(body, "subTotal")
    tax = checks.money(body, "totalTaxAmount")
    total = checks.money(body, "totalAmount")
    discount = checks.money(body, "totalDiscount", required=False) or ZERO
    if None not in (sub_total, tax, total) and sub_total + tax != total:
        checks.fail("totalAmount", "totalAmount must equal subTotal + totalTaxAmount.")
    if total is not None and total <= ZERO:
        checks.fail("totalAmount", "totalAmount must be greater than zero.")
    if discount < ZERO:
        checks.fail("totalDiscount", "totalDiscount cannot be negative.")
    lines = body.get("lineItems")
    if not isinstance(lines, list) or not lines:
        checks.fail("lineItems", "At least one line item is required.")
        lines = []
    line_sum = ZERO
    for index, line in enumerate(lines):
        prefix = f"lineItems[{index}]"
        if not isinstance(line, dict):
            checks.fail(prefix, f"{prefix} must be an object.")
            continue
        unit = checks.money(line, "unitAmount")
        quantity = checks.money(line, "quantity")
        if unit is not None and quantity is not None:
            line_sum += Decimal(line.get("subTotal") or unit * quantity)
        account_id = dig(line, "accountRef.id")
        if not account_id or store.ledger_get(company, "chartOfAccounts", account_id) is None:
            checks.fail(f"{prefix}.accountRef.id", f"Account {account_id} does not exist.")
        tax_id = dig(line, "taxRateRef.id")
        if tax_id and store.ledger_get(company, "taxRates", tax_id) is None:
            checks.fail(f"{prefix}.taxRateRef.id", f"Tax rate {tax_id} does not exist.")
    if lines and sub_total is not None and line_sum != sub_total:
        checks.fail("lineItems", f"Line items add up to {line_sum}, not subTotal {sub_total}.")
    checks.done()
    record_id = new_id(company, "billCreditNotes", profile)
    body.update(
        status=status,
        totalDiscount=discount,
        discountPercentage=body.get("discountPercentage") or ZERO,
        remainingCredit=total,
        allocatedOnDate=None,
        paymentAllocations=[],
        supplierRef={"id": supplier["id"], "supplierName": supplier.get("supplierName")},
    )
    store.ledger_put(company, "billCreditNotes", record_id, body)
    return Outcome(record_id, "Created", "billCreditNotes")


def _check_supplier(profile: Profile, body: dict) -> None:
    checks = Checks("Supplier")
    checks.text(body, "supplierName", profile, "suppliers", required=True)
    checks.text(body, "contactName", profile, "suppliers")
    if body.get("status", "Active") not in ("Active", "Archived"):
        checks.fail("status", "status must be Active or Archived.")
    if body.get("defaultCurrency"):
        checks.currency(body["defaultCurrency"], profile, "defaultCurrency")
    checks.done()


def supplier_create(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Create a supplier."""
    body = dict(op.body or {})
    _check_supplier(profile, body)
    record_id = new_id(company, "suppliers", profile)
    store.ledger_put(
        company, "suppliers", record_id, {**body, "status": body.get("status", "Active")}
    )
    return Outcome(record_id, "Created", "suppliers")


def supplier_update(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Replace a supplier's details."""
    if store.ledger_get(company, "suppliers", op.record_id) is None:
        raise Invalid([_missing("Supplier", "suppliers", op.record_id)])
    body = dict(op.body or {})
    _check_supplier(profile, body)
    store.ledger_put(
        company, "suppliers", op.record_id, {**body, "status": body.get("status", "Active")}
    )
    return Outcome(op.record_id, "Modified", "suppliers")


def bank_account_create(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Create a bank (Debit) or card (Credit) account in the chart of accounts."""
    body = dict(op.body or {})
    checks = Checks("BankAccount")
    name = checks.text(body, "accountName", profile, "bankAccounts", required=True)
    for field in ("nominalCode", "accountNumber"):
        checks.text(body, field, profile, "bankAccounts")
    kind = body.get("accountType", "Debit")
    if kind not in profile.bank_account_types:
        checks.fail("accountType", f"{profile.name} cannot create {kind} bank accounts.")
    checks.currency(body.get("currency"), profile)
    checks.done()
    record_id = new_id(company, "chartOfAccounts", profile)
    credit = kind == "Credit"
    category = "Liability.Current.CreditCard" if credit else "Asset.Current.Bank"
    store.ledger_put(
        company,
        "chartOfAccounts",
        record_id,
        {
            "nominalCode": body.get("nominalCode"),
            "name": name,
            "description": body.get("institution") or name,
            "fullyQualifiedCategory": category,
            "fullyQualifiedName": f"{category}.{name}",
            "currency": body["currency"],
            "currentBalance": body.get("balance") or ZERO,
            "type": "Liability" if credit else "Asset",
            "status": "Active",
            "isBankAccount": True,
            "validDatatypeLinks": [],
        },
    )
    return Outcome(record_id, "Created", "bankAccounts")


def _missing(validator: str, data_type: str, record_id: str) -> dict:
    return {
        "itemId": record_id,
        "message": f"No {data_type} record with id {record_id} exists in the books.",
        "validatorName": validator,
    }
