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
    """Pay bills: reduce amountDue, set PartiallyPaid/Paid, allocate, record the payment."""
    body = dict(op.body or {})
    checks = Checks("BillPayment")
    if not body.get("date"):
        checks.fail("date", "date is required.")
    total = checks.money(body, "totalAmount")
    if total is not None and total <= ZERO:
        checks.fail("totalAmount", "totalAmount must be greater than zero.")
    batch = not dig(body, "supplierRef.id")
    if batch and not profile.batch_across_suppliers:
        checks.fail("supplierRef.id", f"supplierRef.id is required by {profile.name}.")
    elif batch and body.get("currency") != company.base_currency:
        checks.fail(
            "currency",
            f"A batch payment without supplierRef must be in the company's base currency "
            f"({company.base_currency}).",
        )
    checks.text(body, "reference", profile, "billPayments")
    checks.text(body, "note", profile, "billPayments")
    account = _account(company, checks, dig(body, "accountRef.id"))
    currency = body.get("currency")
    checks.currency(currency, profile)
    if account and currency and account.get("currency") != currency:
        checks.fail(
            "currency",
            f"Payment currency {currency} does not match account {account['id']}'s currency "
            f"{account.get('currency')}.",
        )
    lines = body.get("lines") or []
    if not lines:
        checks.fail("lines", "At least one line is required.")
    line_sum, seen, effects = ZERO, {}, []
    for index, line in enumerate(lines):
        amount = checks.money(line, "amount")
        if amount is None:
            continue
        line_sum += amount
        if amount <= ZERO:
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
        _check_converted_line(checks, index, amount, checked_links)
    if total is not None and lines and line_sum != total:
        checks.fail("lines", f"Lines add up to {line_sum}, not totalAmount {total}.")
    checks.done()
    return _apply(company, profile, body, account, effects)


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


def _apply(company, profile, body, account, effects) -> Outcome:
    record_id = new_id(company, "billPayments", profile)
    suppliers = {dig(bill, "supplierRef.id") for bill, *_rest in effects}
    supplier_id = dig(body, "supplierRef.id") or (suppliers.pop() if len(suppliers) == 1 else None)
    payment = {**body, "accountRef": {"id": account["id"], "name": account.get("name")}}
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
                    "accountRef": payment["accountRef"],
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
    return Outcome(record_id, "Created", "billPayments")


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
