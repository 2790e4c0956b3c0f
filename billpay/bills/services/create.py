"""Bills and suppliers created or changed here, and the intent to write them to the books.

Each service stores the local row and its `LedgerWrite` (a push, with the idempotency key) in
one transaction, and the push starts after commit (`services/writes.py`, `billpay.pushes`).
The form's one-time submission key, made the company's own (`core.parsing.scoped_key`, in the
form), *is* the push's idempotency key, so a second POST of the same form finds the first write
and creates nothing, and two companies never share a key.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from billpay.bills.models import (
    LOCAL_ID_PREFIX,
    Bill,
    BillAttachment,
    BillLine,
    LedgerWrite,
    Origin,
    PushState,
    Supplier,
    TaxRate,
)
from billpay.bills.selectors_create import bill_duplicates_find
from billpay.bills.services.options import bill_capabilities
from billpay.bills.services.writes import ledger_write_create
from billpay.core.errors import DomainError
from billpay.core.money import quantize
from billpay.core.services import audit_record
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.models import Company
from billpay.pushes.models import Push

ZERO = Decimal("0")
K = LedgerWrite.Kind


class WriteInFlight(DomainError):
    pass


class NotEditable(DomainError):
    pass


class PossibleDuplicate(DomainError):
    """The bill looks like one already in the books or made here; create it only if confirmed."""

    def __init__(self, message: str, duplicates: list[Bill]) -> None:
        super().__init__(message)
        self.duplicates = duplicates


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account: LedgerAccount | None
    tax_rate: TaxRate | None = None


@dataclass(frozen=True)
class BillInput:
    supplier: Supplier | None  # None with a new supplier typed into the form
    reference: str
    issue_date: date
    due_date: date
    currency: str
    lines: Sequence[LineInput]
    note: str = ""


@dataclass(frozen=True)
class SupplierInput:
    name: str
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    tax_number: str = ""
    default_currency: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class LineTotals:
    sub_total: Decimal
    tax_amount: Decimal
    total_amount: Decimal


@dataclass(frozen=True)
class BillTotals:
    lines: tuple[LineTotals, ...]
    sub_total: Decimal
    tax_amount: Decimal
    total_amount: Decimal


def bill_totals(*, lines: Sequence[LineInput], currency: str) -> BillTotals:
    """Subtotal, tax and total of the lines, each line rounded to the currency's minor unit."""
    out = []
    for line in lines:
        sub = quantize(line.quantity * line.unit_amount, currency or "XXX")
        rate = line.tax_rate.effective_tax_rate if line.tax_rate else None
        tax = (
            quantize(sub * rate / 100, currency or "XXX")
            if rate
            else quantize(ZERO, currency or "XXX")
        )
        out.append(LineTotals(sub, tax, sub + tax))
    sub_total = sum((t.sub_total for t in out), ZERO)
    tax_amount = sum((t.tax_amount for t in out), ZERO)
    return BillTotals(tuple(out), sub_total, tax_amount, sub_total + tax_amount)


# --- bills ----------------------------------------------------------------------------------------


def bill_create(
    *,
    company: Company,
    actor,
    data: BillInput,
    submission_key: uuid.UUID,
    attachment: BillAttachment | None = None,
    new_supplier: SupplierInput | None = None,
    allow_duplicate: bool = False,
    upload: UploadedFile | None = None,
    upload_content_type: str = "",
) -> Bill:
    """Store a new bill as "sending" and queue its push (after its new supplier's, then its file's).

    **Idempotent:** on `submission_key`: a second submission of the same form returns the first bill.
    **Raises:** PossibleDuplicate (unless `allow_duplicate`).
    **Transaction:** one, with the enqueue after commit.
    """
    existing = _write_for_key(company, submission_key)
    if existing is not None:
        return existing.bill
    totals = bill_totals(lines=data.lines, currency=data.currency)
    if not allow_duplicate and data.supplier is not None:
        duplicates = bill_duplicates_find(
            company=company, supplier=data.supplier, reference=data.reference,
            total_amount=totals.total_amount, issue_date=data.issue_date,
        )  # fmt: skip
        if duplicates:
            raise PossibleDuplicate(
                "This looks like a bill you already have. Check below, then create it anyway "
                "if it really is a different bill.",
                duplicates,
            )
    try:
        with transaction.atomic():
            if new_supplier is not None:
                data = replace(
                    data, supplier=_supplier_new(company, actor, new_supplier, uuid.uuid4())
                )
            bill = Bill.objects.create(
                company=company, codat_bill_id=f"{LOCAL_ID_PREFIX}{submission_key}",
                origin=Origin.APP, push_state=PushState.SENDING, created_by=_user(actor),
                amount_due=totals.total_amount, **_bill_fields(data, totals),
            )  # fmt: skip
            _replace_lines(bill, data, totals)
            ledger_write_create(
                company=company,
                kind=K.BILL_CREATE,
                bill=bill,
                key=submission_key,
                created_by=_user(actor),
            )
            if upload is not None and attachment is None:
                attachment = bill_attachment_stash(
                    company=company, actor=actor, upload=upload, content_type=upload_content_type
                )
            if attachment is not None:
                _attach(bill, attachment, actor)
            audit_record(
                company=company, actor=actor, action="bill.created", target=str(bill),
                ref=f"bill:{bill.pk}", data={"total": str(totals.total_amount), "currency": data.currency},
            )  # fmt: skip
    except IntegrityError:
        existing = _write_for_key(company, submission_key)
        if existing is None:
            raise
        return existing.bill
    return bill


def bill_update(*, bill: Bill, actor, data: BillInput, submission_key: uuid.UUID) -> Bill:
    """Change an app-created bill: in the books (PUT) if it is there, else send it again.

    **Raises:** WriteInFlight, NotEditable. **Idempotent:** on `submission_key`.
    """
    existing = _write_for_key(bill.company, submission_key)
    if existing is not None:
        return existing.bill
    totals = bill_totals(lines=data.lines, currency=data.currency)
    with transaction.atomic():
        locked = _lock_editable(bill, action="change")
        kind = K.BILL_UPDATE if locked.is_in_books else K.BILL_CREATE
        fields = _bill_fields(data, totals)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.amount_due = totals.total_amount
        locked.push_state, locked.push_error = PushState.SENDING, ""
        locked.save()
        _replace_lines(locked, data, totals)
        ledger_write_create(
            company=locked.company,
            kind=kind,
            bill=locked,
            key=submission_key,
            created_by=_user(actor),
        )
        audit_record(
            company=locked.company, actor=actor, action="bill.changed", target=str(locked),
            ref=f"bill:{locked.pk}", data={"total": str(totals.total_amount)},
        )  # fmt: skip
    return locked


def bill_delete(*, bill: Bill, actor, submission_key: uuid.UUID) -> Bill:
    """Delete an app-created, unpaid bill: from the books if it reached them, else only here.

    **Raises:** WriteInFlight, NotEditable. **Idempotent:** on `submission_key`.
    """
    existing = _write_for_key(bill.company, submission_key)
    if existing is not None:
        return existing.bill
    with transaction.atomic():
        locked = _lock_editable(bill, action="delete")
        audit_record(
            company=locked.company, actor=actor, action="bill.deleted", target=str(locked),
            ref=f"bill:{locked.pk}",
        )  # fmt: skip
        if not locked.is_in_books:  # never reached the books: nothing to send
            Bill.objects.filter(pk=locked.pk).update(is_deleted=True, push_state=PushState.NONE)
            locked.is_deleted = True
            return locked
        Bill.objects.filter(pk=locked.pk).update(push_state=PushState.SENDING, push_error="")
        ledger_write_create(
            company=locked.company,
            kind=K.BILL_DELETE,
            bill=locked,
            key=submission_key,
            created_by=_user(actor),
        )
    return locked


def bill_resend(*, bill: Bill, actor, submission_key: uuid.UUID) -> Bill:
    """Send a bill whose last write failed again, as it is now (a new push, a new key).

    **Raises:** WriteInFlight, DomainError (nothing failed). **Idempotent:** on `submission_key`.
    """
    existing = _write_for_key(bill.company, submission_key)
    if existing is not None:
        return existing.bill
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk, company=bill.company)
        if LedgerWrite.objects.filter(bill=locked, push__status__in=Push.ACTIVE).exists():
            raise WriteInFlight("This bill is still being sent to your books.")
        last = (
            LedgerWrite.objects.filter(bill=locked)
            .select_related("push")
            .order_by("-created_at", "-id")
            .first()
        )
        if last is None or last.push.status != Push.Status.FAILED:
            raise DomainError("There is nothing to send again.")
        kind = last.push.kind
        if kind == K.BILL_CREATE and locked.is_in_books:
            kind = K.BILL_UPDATE
        if kind != K.BILL_ATTACHMENT:
            Bill.objects.filter(pk=locked.pk).update(push_state=PushState.SENDING, push_error="")
        else:
            Bill.objects.filter(pk=locked.pk).update(push_error="")
        ledger_write_create(
            company=locked.company,
            kind=kind,
            bill=locked,
            attachment=last.attachment if kind == K.BILL_ATTACHMENT else None,
            key=submission_key,
            created_by=_user(actor),
        )
        audit_record(
            company=locked.company, actor=actor, action="bill.resent", target=str(locked),
            ref=f"bill:{locked.pk}",
        )  # fmt: skip
    return locked


def bill_attachment_stash(
    *, company: Company, actor, upload: UploadedFile, content_type: str
) -> BillAttachment:
    """Keep a checked invoice file before its bill exists (so a form with errors loses nothing).

    **Transaction:** joins the caller's.
    """
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = BillAttachment(
        company=company, name=_safe_name(upload.name or "invoice"), content_type=content_type,
        size=upload.size or 0, sha256=digest.hexdigest(), uploaded_by=_user(actor),
    )  # fmt: skip
    attachment.file.save(attachment.name, upload, save=False)
    attachment.save()
    return attachment


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


# --- suppliers ------------------------------------------------------------------------------------


def supplier_create(
    *, company: Company, actor, data: SupplierInput, submission_key: uuid.UUID
) -> Supplier:
    """Store a new supplier as "sending" and queue its push.

    **Idempotent:** on `submission_key`. **Transaction:** one, with the enqueue after commit.
    """
    existing = _write_for_key(company, submission_key)
    if existing is not None:
        return existing.supplier or existing.bill.supplier
    try:
        with transaction.atomic():
            supplier = _supplier_new(company, actor, data, submission_key)
    except IntegrityError:
        existing = _write_for_key(company, submission_key)
        if existing is None:
            raise
        return existing.supplier
    return supplier


def supplier_update(
    *, supplier: Supplier, actor, data: SupplierInput, submission_key: uuid.UUID
) -> Supplier:
    """Change a supplier here and in the books (PUT), or send a failed new one again.

    **Raises:** WriteInFlight. **Idempotent:** on `submission_key`.
    """
    existing = _write_for_key(supplier.company, submission_key)
    if existing is not None:
        return existing.supplier
    with transaction.atomic():
        locked = Supplier.objects.select_for_update().get(pk=supplier.pk, company=supplier.company)
        if LedgerWrite.objects.filter(supplier=locked, push__status__in=Push.ACTIVE).exists():
            raise WriteInFlight("This supplier is still being sent to your books.")
        for name, value in _supplier_fields(data, locked).items():
            setattr(locked, name, value)
        locked.push_state, locked.push_error = PushState.SENDING, ""
        locked.save()
        ledger_write_create(
            company=locked.company,
            kind=K.SUPPLIER_UPDATE if locked.is_in_books else K.SUPPLIER_CREATE,
            supplier=locked,
            key=submission_key,
            created_by=_user(actor),
        )
        audit_record(
            company=locked.company, actor=actor, action="supplier.changed", target=str(locked),
            ref=f"supplier:{locked.pk}",
        )  # fmt: skip
    return locked


def supplier_body(*, supplier: Supplier) -> dict:
    """The supplier as Codat's push body; fields from the books we don't edit are kept."""
    keep = {
        k: v for k, v in (supplier.raw or {}).items()
        if k not in ("id", "modifiedDate", "sourceModifiedDate", "metadata", "supplementalData")
    }  # fmt: skip
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


# --- internals ------------------------------------------------------------------------------------


def _supplier_new(company: Company, actor, data: SupplierInput, key: uuid.UUID) -> Supplier:
    supplier = Supplier(
        company=company, codat_supplier_id=f"{LOCAL_ID_PREFIX}{key}", status="Active",
        origin=Origin.APP, push_state=PushState.SENDING,
    )  # fmt: skip
    for name, value in _supplier_fields(data, supplier).items():
        setattr(supplier, name, value)
    supplier.save()
    ledger_write_create(
        company=company,
        kind=K.SUPPLIER_CREATE,
        supplier=supplier,
        key=key,
        created_by=_user(actor),
    )
    audit_record(
        company=company, actor=actor, action="supplier.created", target=str(supplier),
        ref=f"supplier:{supplier.pk}",
    )  # fmt: skip
    return supplier


def _supplier_fields(data: SupplierInput, supplier: Supplier) -> dict:
    address = {
        "type": "Billing", "line1": data.address_line1, "line2": data.address_line2,
        "city": data.city, "region": data.region, "postalCode": data.postal_code,
        "country": data.country,
    }  # fmt: skip
    address = {k: v for k, v in address.items() if v}
    others = [a for a in supplier.addresses or [] if a.get("type") != "Billing"]
    return {
        "name": data.name.strip(),
        "contact_name": data.contact_name,
        "email": data.email,
        "phone": data.phone,
        "tax_number": data.tax_number,
        "default_currency": data.default_currency,
        "addresses": ([address] if len(address) > 1 else []) + others,
    }


def _bill_fields(data: BillInput, totals: BillTotals) -> dict:
    descriptions = " ".join(line.description for line in data.lines)
    return {
        "supplier": data.supplier,
        "codat_supplier_id": data.supplier.codat_supplier_id,
        "supplier_name": data.supplier.name,
        "reference": data.reference,
        "issue_date": data.issue_date,
        "due_date": data.due_date,
        "currency": data.currency,
        "sub_total": totals.sub_total,
        "tax_amount": totals.tax_amount,
        "total_amount": totals.total_amount,
        "note": data.note,
        "search_text": f"{data.supplier.name} {data.reference} {descriptions}".lower(),
    }


def _replace_lines(bill: Bill, data: BillInput, totals: BillTotals) -> None:
    BillLine.objects.filter(bill=bill).delete()
    BillLine.objects.bulk_create(
        BillLine(
            company_id=bill.company_id,
            bill=bill,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            sub_total=t.sub_total,
            tax_amount=t.tax_amount,
            total_amount=t.total_amount,
            codat_account_id=line.account.codat_account_id if line.account else "",
            account_name=line.account.name if line.account else "",
            codat_tax_rate_id=line.tax_rate.codat_tax_rate_id if line.tax_rate else "",
            tax_rate_name=line.tax_rate.name if line.tax_rate else "",
        )  # fmt: skip
        for position, (line, t) in enumerate(zip(data.lines, totals.lines, strict=True), start=1)
    )


def _attach(bill: Bill, attachment: BillAttachment, actor) -> None:
    claimed = BillAttachment.objects.filter(
        pk=attachment.pk, company_id=bill.company_id, bill__isnull=True
    ).update(bill=bill)
    if claimed:
        # Queued, not started: the bill's success in the books starts it.
        ledger_write_create(
            company=bill.company,
            kind=K.BILL_ATTACHMENT,
            bill=bill,
            attachment=attachment,
            created_by=_user(actor),
            start=False,
        )


def _lock_editable(bill: Bill, *, action: str) -> Bill:
    locked = Bill.objects.select_for_update().get(pk=bill.pk, company=bill.company)
    if locked.origin != Origin.APP:
        raise NotEditable("Only bills created in BillPay can be changed here; use your books.")
    if LedgerWrite.objects.filter(bill=locked, push__status__in=Push.ACTIVE).exists():
        raise WriteInFlight("This bill is still being sent to your books. Try again in a moment.")
    if locked.is_in_books:
        paid = locked.allocations.exists() or locked.amount_due < locked.total_amount
        if paid or locked.codat_status in ("Paid", "PartiallyPaid", "Void"):
            raise NotEditable("This bill has payments in your books, so it can't be changed here.")
        caps = bill_capabilities(company=locked.company)
        allowed = caps.can_update if action == "change" else caps.can_delete
        if not allowed:
            raise NotEditable(
                f"{caps.platform_name} does not let BillPay {action} bills. "
                f"Make the change in {caps.platform_name} itself."
            )
    return locked


def _write_for_key(company: Company, key: uuid.UUID) -> LedgerWrite | None:
    return (
        LedgerWrite.objects.select_related("bill", "supplier", "bill__supplier")
        .filter(company=company, push__idempotency_key=key)
        .first()
    )


def _safe_name(name: str) -> str:
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable())
    return name.replace('"', "")[:200] or "invoice"


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def new_submission_key() -> uuid.UUID:
    """A one-time key for a form: it becomes the write's idempotency key when posted."""
    return uuid.uuid4()
