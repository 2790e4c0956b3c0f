"""Bills and suppliers as Codat's push bodies (read by `services/writes.py` when it sends)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billpay.bills.models import Bill, Supplier


def bill_body(*, bill: Bill) -> dict:
    """The bill as Codat's push body (Decimal amounts; dates as midnight, as Codat sends them)."""
    lines = []
    for line in bill.lines.all():
        item = {
            "description": line.description,
            "unitAmount": line.unit_amount,
            "quantity": line.quantity,
            "subTotal": line.sub_total,
            "taxAmount": line.tax_amount,
            "totalAmount": line.total_amount,
            "accountRef": {"id": line.codat_account_id},
        }
        if line.codat_tax_rate_id:
            item["taxRateRef"] = {"id": line.codat_tax_rate_id}
        lines.append(item)
    supplier = bill.supplier
    body = {
        "reference": bill.reference or None,
        "supplierRef": {"id": supplier.codat_supplier_id if supplier else bill.codat_supplier_id},
        "issueDate": f"{bill.issue_date:%Y-%m-%d}T00:00:00",
        "dueDate": f"{bill.due_date:%Y-%m-%d}T00:00:00",
        "currency": bill.currency,
        "status": "Open",
        "lineItems": lines,
        "subTotal": bill.sub_total,
        "taxAmount": bill.tax_amount,
        "totalAmount": bill.total_amount,
    }
    if bill.note:
        body["note"] = bill.note
    return {k: v for k, v in body.items() if v is not None}


def supplier_body(*, supplier: Supplier) -> dict:
    """The supplier as Codat's push body; fields from the books we don't edit are kept."""
    keep = {
        k: v
        for k, v in (supplier.raw or {}).items()
        if k not in ("id", "modifiedDate", "sourceModifiedDate", "metadata", "supplementalData")
    }
    body = {
        **keep,
        "supplierName": supplier.name,
        "contactName": supplier.contact_name or None,
        "emailAddress": supplier.email or None,
        "phone": supplier.phone or None,
        "taxNumber": supplier.tax_number or None,
        "defaultCurrency": supplier.default_currency or None,
        "addresses": supplier.addresses or [],
        "status": supplier.status or "Active",
    }
    return {k: v for k, v in body.items() if v is not None}
