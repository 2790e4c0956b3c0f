"""Bill payments in the ledger: the validation rules a real platform applies, and their effects."""

from decimal import Decimal

from billpay.sandbox import store
from billpay.sandbox.models import SandboxPushOperation
from billpay.sandbox.profiles import Profile
from billpay.sandbox.writes import ZERO, Checks, Invalid, Outcome, derive_status, dig, new_id


def _account(company, checks: Checks, account_id) -> dict | None:
    if not account_id:
        checks.fail("accountRef.id", "accountRef.id is required.")
        return None
    account = store.ledger_get(company, "chartOfAccounts", account_id)
    if account is None:
        checks.fail("accountRef.id", f"Account {account_id} does not exist.")
    elif account.get("status") == "Archived":
        checks.fail("accountRef.id", f"Account {account_id} is archived.")
    elif not account.get("isBankAccount"):
        checks.fail("accountRef.id", f"Account {account_id} is not a bank account.")
    else:
        return account
    return None


def _rate(value) -> Decimal | None:
    """A currencyRate as Decimal, or None when absent or not a positive number."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value <= 0:
        return None
    return Decimal(value)


def _check_currency(company, checks, body, link, item, profile, bill) -> Decimal | None:
    """The rate relating a payment in another currency to this bill (None: same currency).

    Codat: a bill payment's currency is the bill's or the company's base currency, never a third
    one; the link amount is in the bill's currency, and `currencyRate` is foreign units per base
    unit, so bill amount = payment amount x rate.
    """
    currency, bill_currency = body.get("currency"), bill.get("currency")
    base = company.base_currency
    if currency in (None, bill_currency):
        return None
    if currency != base:
        if bill_currency == base:
            message = f"A {base} bill (the base currency) cannot be paid in {currency}."
        else:
            message = (
                "It is not possible to perform the currency conversion with two or more "
                f"non-base currencies participating in the transaction: a {bill_currency} bill "
                f"must be paid in {base} or {bill_currency}, not {currency}."
            )
        checks.fail("currency", message)
        return None
    if not profile.foreign_bills_paid_in_base:
        checks.fail(
            "currency",
            f"{profile.name} cannot pay a {bill_currency} bill in {currency}; "
            f"pay it in {bill_currency}.",
        )
        return None
    rate = _rate(link.get("currencyRate")) or _rate(body.get("currencyRate"))
    if rate is None:
        checks.fail(
            f"{item}.currencyRate",
            f"A currencyRate is required to pay a {bill_currency} bill in {currency}.",
        )
    return rate


def _check_link(company, checks, body, link, item, profile, seen) -> tuple | None:
    """Validate one Bill link; returns (bill, amount in bill currency, rate or None) to apply."""
    bill = store.ledger_get(company, "bills", link.get("id") or "")
    if bill is None:
        checks.fail(f"{item}.id", f"Bill {link.get('id')} does not exist.")
        return None
    amount = link.get("amount")
    if not isinstance(amount, int | Decimal) or isinstance(amount, bool):
        checks.fail(f"{item}.amount", "Link amount is required.")
        return None
    paying = -Decimal(amount)
    if paying <= ZERO:
        checks.fail(f"{item}.amount", "A bill link amount must be negative to pay the bill.")
    if bill.get("status") in ("Void", "Paid", "Draft"):
        checks.fail(f"{item}.id", f"Bill {bill['id']} is {bill['status']} and cannot be paid.")
    supplier_id = dig(body, "supplierRef.id")
    if supplier_id and supplier_id != dig(bill, "supplierRef.id"):
        checks.fail(
            "supplierRef.id",
            f"supplierRef.id {supplier_id} does not match bill {bill['id']}'s supplier "
            f"{dig(bill, 'supplierRef.id')}.",
        )
    already = seen.get(bill["id"], ZERO)
    due = Decimal(bill.get("amountDue") or 0)
    if paying + already > due:
        checks.fail(
            f"{item}.amount",
            f"Payment of {paying + already} exceeds bill {bill['id']}'s amountDue of {due}.",
        )
    rate = _check_currency(company, checks, body, link, item, profile, bill)
    if str(bill.get("issueDate", ""))[:10] > str(body.get("date", ""))[:10]:
        checks.fail("date", "The payment date is before the bill's issue date.")
    seen[bill["id"]] = already + paying
    return bill, paying, rate


def bill_payment_create(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Pay bills (cash, or credit notes set against them): reduce amountDue, set
    PartiallyPaid/Paid, allocate, use up credit notes' remainingCredit, record the payment."""
    body = dict(op.body or {})
    checks = Checks("BillPayment")
    if not body.get("date"):
        checks.fail("date", "date is required.")
    lines = body.get("lines") or []
    credit_lines = [
        line
        for line in lines
        if isinstance(line, dict)
        and any(link.get("type") == "CreditNote" for link in line.get("links") or [])
    ]
    total = checks.money(body, "totalAmount")
    if total is not None and total < ZERO or (total == ZERO and not credit_lines):
        checks.fail("totalAmount", "totalAmount must be greater than zero.")
    batch = not dig(body, "supplierRef.id")
    if batch and not profile.batch_across_suppliers:
        checks.fail("supplierRef.id", f"supplierRef.id is required by {profile.name}.")
    elif batch and credit_lines:
        checks.fail("supplierRef.id", "A credit note allocation needs supplierRef.id.")
    elif batch and body.get("currency") != company.base_currency:
        checks.fail(
            "currency",
            f"A batch payment without supplierRef must be in the company's base currency "
            f"({company.base_currency}).",
        )
    checks.text(body, "reference", profile, "billPayments")
    checks.text(body, "note", profile, "billPayments")
    # QBO: "AccountRef: required if TotalAmount is greater than zero"; a pure credit allocation
    # moves no money, so it needs no bank account.
    account = None
    if dig(body, "accountRef.id") or not (credit_lines and total == ZERO):
        account = _account(company, checks, dig(body, "accountRef.id"))
    currency = body.get("currency")
    checks.currency(currency, profile)
    if account and currency and account.get("currency") != currency:
        checks.fail(
            "currency",
            f"Payment currency {currency} does not match account {account['id']}'s currency "
            f"{account.get('currency')}.",
        )
    if credit_lines:
        _check_credit_shape(checks, profile, body, lines, total)
    if not lines:
        checks.fail("lines", "At least one line is required.")
    line_sum, seen, effects, credits, used = ZERO, {}, [], [], {}
    for index, line in enumerate(lines):
        amount = checks.money(line, "amount")
        if amount is None:
            continue
        line_sum += amount
        credit_links = [
            link for link in line.get("links") or [] if link.get("type") == "CreditNote"
        ]
        if amount < ZERO or (amount == ZERO and not credit_links):
            checks.fail(f"lines[{index}].amount", "Line amounts must be greater than zero.")
        bill_links = [link for link in line.get("links") or [] if link.get("type") == "Bill"]
        if profile.one_bill_link_per_line and len(bill_links) > 1:
            checks.fail(f"lines[{index}].links", f"{profile.name} allows one bill per line.")
        checked_links = []
        for number, link in enumerate(bill_links):
            item = f"lines[{index}].links[{number}]"
            checked = _check_link(company, checks, body, link, item, profile, seen)
            if checked:
                checked_links.append(checked)
                effects.append((checked[0], checked[1], line, link))
        if credit_links:
            credits += _check_credit_line(
                company, checks, body, index, line, amount, checked_links, credit_links, used
            )
        else:
            _check_converted_line(checks, index, amount, checked_links)
    if total is not None and lines and line_sum != total:
        checks.fail("lines", f"Lines add up to {line_sum}, not totalAmount {total}.")
    checks.done()
    return _apply(company, profile, body, account, effects, credits)


def _check_credit_shape(checks, profile: Profile, body, lines, total) -> None:
    """The platform's rules on where credit notes may appear in a bill payment."""
    if not profile.credit_notes_in_payments:
        checks.fail(
            "lines.links.type",
            f"{profile.name} does not support allocating credit notes through bill payments.",
        )
        return
    if not profile.credit_with_cash and total is not None and total != ZERO:
        checks.fail(
            "totalAmount",
            f"{profile.name} requires a credit note allocation to be its own bill payment with "
            "totalAmount 0; pay the rest in a separate bill payment.",
        )
    if profile.one_credit_allocation_per_payment:
        types = sorted(link.get("type") or "" for link in (lines[0].get("links") or []))
        if len(lines) != 1 or types != ["Bill", "CreditNote"]:
            checks.fail(
                "lines.links",
                f"{profile.name}: a credit note allocation must be a single line with two links, "
                "one of type Bill and one of type CreditNote.",
            )


def _check_credit_line(
    company, checks, body, index, line, amount, bill_links, credit_links, used
) -> list[tuple]:
    """Validate a line setting credit notes against bills; returns (note, amount) to apply.

    The line's amount is the cash it moves: the bills' share not covered by credit (Codat:
    "Amount and sum of Links must sum to zero"). Link amounts are in the linked documents'
    currency, so a credit note must be in the bills' currency (and the payment's).
    """
    checked = []
    supplier_id = dig(body, "supplierRef.id")
    bill_currencies = {bill.get("currency") for bill, _paying, _rate in bill_links}
    for number, link in enumerate(credit_links):
        item = f"lines[{index}].links[{number}]"
        note = store.ledger_get(company, "billCreditNotes", link.get("id") or "")
        if note is None:
            checks.fail(f"{item}.id", f"Credit note {link.get('id')} does not exist.")
            continue
        value = link.get("amount")
        if not isinstance(value, int | Decimal) or isinstance(value, bool):
            checks.fail(f"{item}.amount", "Link amount is required.")
            continue
        credit = Decimal(value)
        if credit <= ZERO:
            checks.fail(f"{item}.amount", "A credit note link amount must be positive.")
            continue
        if note.get("status") in ("Void", "Draft", "Paid") or (note.get("metadata") or {}).get(
            "isDeleted"
        ):
            checks.fail(
                f"{item}.id", f"Credit note {note['id']} is {note.get('status')} and has no credit."
            )
        if supplier_id and dig(note, "supplierRef.id") != supplier_id:
            checks.fail(
                f"{item}.id",
                f"Credit note {note['id']} belongs to supplier {dig(note, 'supplierRef.id')}, "
                f"not {supplier_id}.",
            )
        currency = note.get("currency")
        if currency != body.get("currency") or bill_currencies - {currency}:
            checks.fail(
                f"{item}.id",
                f"Credit note {note['id']} is in {currency}; it can only be allocated to "
                f"{currency} bills in a {currency} payment.",
            )
        already = used.get(note["id"], ZERO)
        remaining = Decimal(note.get("remainingCredit") or 0)
        if credit + already > remaining:
            checks.fail(
                f"{item}.amount",
                f"Allocation of {credit + already} exceeds credit note {note['id']}'s "
                f"remainingCredit of {remaining}.",
            )
        if str(note.get("issueDate", ""))[:10] > str(body.get("date", ""))[:10]:
            checks.fail("date", "The payment date is before the credit note's issue date.")
        used[note["id"]] = already + credit
        checked.append((note, credit))
    if not bill_links:
        checks.fail(f"lines[{index}].links", "A credit note must be allocated to a bill.")
    paid = sum((paying for _bill, paying, _rate in bill_links), ZERO)
    credited = sum((credit for _note, credit in checked), ZERO)
    if checked and len(checked) == len(credit_links) and paid != amount + credited:
        checks.fail(
            f"lines[{index}].amount",
            f"Line amount {amount} and its links must sum to zero: bills {-paid}, "
            f"credit notes {credited}.",
        )
    return checked


def _check_converted_line(checks, index: int, amount: Decimal, links: list[tuple]) -> None:
    """A line paying a bill in another currency must equal its links converted at their rates."""
    if not any(rate for _bill, _paying, rate in links):
        return
    # Each link's payment-currency share; rounding each to the minor unit may lose half a cent.
    converted = sum((paying / rate if rate else paying for _b, paying, rate in links), ZERO)
    if abs(converted - amount) > Decimal("0.01") * len(links):
        checks.fail(
            f"lines[{index}].amount",
            f"The line amount {amount} does not match its bill links converted at their "
            f"currencyRate ({converted.quantize(Decimal('0.01'))}).",
        )


def _apply(company, profile, body, account, effects, credits=()) -> Outcome:
    record_id = new_id(company, "billPayments", profile)
    suppliers = {dig(bill, "supplierRef.id") for bill, *_rest in effects}
    supplier_id = dig(body, "supplierRef.id") or (suppliers.pop() if len(suppliers) == 1 else None)
    payment = dict(body)
    if account is not None:
        payment["accountRef"] = {"id": account["id"], "name": account.get("name")}
    if supplier_id:  # a batch across suppliers (Xero) is recorded without one
        supplier = store.ledger_get(company, "suppliers", supplier_id) or {}
        payment["supplierRef"] = {"id": supplier_id, "supplierName": supplier.get("supplierName")}
    store.ledger_put(company, "billPayments", record_id, payment)
    for bill, paying, _line, link in effects:
        bill = store.ledger_get(company, "bills", bill["id"])
        bill["amountDue"] = Decimal(bill.get("amountDue") or 0) - paying
        bill.setdefault("paymentAllocations", []).append(
            {
                "payment": {
                    "id": record_id,
                    "note": body.get("note"),
                    "reference": body.get("reference"),
                    "accountRef": payment.get("accountRef"),
                    "currency": body.get("currency"),
                    "currencyRate": body.get("currencyRate"),
                    "paidOnDate": body.get("date"),
                    "totalAmount": body.get("totalAmount"),
                },
                "allocation": {
                    "currency": bill.get("currency"),
                    "currencyRate": link.get("currencyRate") or body.get("currencyRate"),
                    "allocatedOnDate": body.get("date"),
                    "totalAmount": paying,
                },
            }
        )
        bill["status"] = derive_status(bill)
        store.ledger_put(company, "bills", bill["id"], bill)
    for note, credit in credits:
        _use_credit(company, note["id"], -credit, record_id, body)
    return Outcome(record_id, "Created", "billPayments")


def _use_credit(company, note_id: str, change: Decimal, record_id: str, body: dict) -> None:
    """Move a credit note's remainingCredit by `change` (negative: used) and its status."""
    note = store.ledger_get(company, "billCreditNotes", note_id)
    if note is None:
        return
    total = Decimal(note.get("totalAmount") or 0)
    remaining = Decimal(note.get("remainingCredit") or 0) + change
    note["remainingCredit"] = remaining
    allocations = [
        a for a in note.get("paymentAllocations") or [] if a["payment"]["id"] != record_id
    ]
    if change < ZERO:
        allocations.append(
            {
                "payment": {
                    "id": record_id,
                    "reference": body.get("reference"),
                    "currency": body.get("currency"),
                    "paidOnDate": body.get("date"),
                    "totalAmount": body.get("totalAmount"),
                },
                "allocation": {
                    "currency": note.get("currency"),
                    "allocatedOnDate": body.get("date"),
                    "totalAmount": -change,
                },
            }
        )
    note["paymentAllocations"] = allocations
    if note.get("status") not in ("Void", "Draft"):
        if remaining <= ZERO:
            note["status"], note["allocatedOnDate"] = "Paid", body.get("date")
        else:
            note["status"] = "PartiallyPaid" if remaining < total else "Submitted"
            note.pop("allocatedOnDate", None)
    store.ledger_put(company, "billCreditNotes", note_id, note)


def bill_payment_delete(company, profile: Profile, op: SandboxPushOperation) -> Outcome:
    """Delete a payment and give its allocations back to the bills."""
    payment = store.ledger_get(company, "billPayments", op.record_id)
    if payment is None:
        raise Invalid(
            [
                {
                    "itemId": op.record_id,
                    "message": f"No billPayments record with id {op.record_id} in the books.",
                    "validatorName": "BillPayment",
                }
            ]
        )
    for line in payment.get("lines") or []:
        for link in line.get("links") or []:
            if link.get("type") == "CreditNote" and isinstance(link.get("amount"), int | Decimal):
                _use_credit(
                    company, link.get("id") or "", Decimal(link["amount"]), op.record_id, {}
                )
                continue
            if link.get("type") != "Bill":
                continue
            bill = store.ledger_get(company, "bills", link.get("id") or "")
            if bill is None:
                continue
            kept = [
                a
                for a in bill.get("paymentAllocations") or []
                if a["payment"]["id"] != op.record_id
            ]
            paid = sum((Decimal(a["allocation"]["totalAmount"]) for a in kept), ZERO)
            bill["paymentAllocations"] = kept
            bill["amountDue"] = Decimal(bill["totalAmount"]) - paid
            bill["status"] = (
                "Open" if bill.get("status") in ("Paid", "PartiallyPaid") else bill["status"]
            )
            bill["status"] = derive_status(bill)
            store.ledger_put(company, "bills", bill["id"], bill)
    store.ledger_delete(company, "billPayments", op.record_id)
    return Outcome(op.record_id, "Deleted", "billPayments")
