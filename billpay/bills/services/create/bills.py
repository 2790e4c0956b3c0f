"""Bills created, changed, deleted or sent again from here."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from billpay.approvals.services import approvals_refresh
from billpay.bills.approval import bill_subject
from billpay.bills.models import LOCAL_ID_PREFIX, Bill, BillLine, LedgerWrite, Origin, PushState
from billpay.bills.selectors import bill_duplicates_find
from billpay.bills.services.create.attachments import attach, bill_attachment_stash
from billpay.bills.services.create.common import (
    K,
    NotEditable,
    PossibleDuplicate,
    WriteInFlight,
    user_or_none,
    write_for_key,
)
from billpay.bills.services.create.inputs import BillInput, BillTotals, SupplierInput, bill_totals
from billpay.bills.services.create.suppliers import supplier_new
from billpay.bills.services.options import bill_capabilities
from billpay.bills.services.revision import bills_changed
from billpay.bills.services.writes import ledger_write_create
from billpay.core.errors import DomainError
from billpay.core.services import audit_record
from billpay.pushes.models import Push

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from billpay.bills.models import BillAttachment
    from billpay.core.services import Actor
    from billpay.onboarding.models import Company


def bill_create(
    *,
    company: Company,
    actor: Actor,
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
    existing = write_for_key(company, submission_key)
    if existing is not None:
        return existing.bill
    totals = bill_totals(lines=data.lines, currency=data.currency)
    if not allow_duplicate and data.supplier is not None:
        duplicates = bill_duplicates_find(
            company=company,
            supplier=data.supplier,
            reference=data.reference,
            total_amount=totals.total_amount,
            issue_date=data.issue_date,
        )
        if duplicates:
            raise PossibleDuplicate(
                gettext(
                    "This looks like a bill you already have. Check below, then create it anyway "
                    "if it really is a different bill."
                ),
                duplicates,
            )
    try:
        with transaction.atomic():
            if new_supplier is not None:
                data = replace(
                    data, supplier=supplier_new(company, actor, new_supplier, uuid.uuid4())
                )
            bill = Bill.objects.create(
                company=company,
                codat_bill_id=f"{LOCAL_ID_PREFIX}{submission_key}",
                origin=Origin.APP,
                push_state=PushState.SENDING,
                created_by=user_or_none(actor),
                amount_due=totals.total_amount,
                **_bill_fields(data, totals),
            )
            _replace_lines(bill, data, totals)
            bills_changed(company_id=company.pk)
            ledger_write_create(
                company=company,
                kind=K.BILL_CREATE,
                bill=bill,
                key=submission_key,
                created_by=user_or_none(actor),
            )
            if upload is not None and attachment is None:
                attachment = bill_attachment_stash(
                    company=company, actor=actor, upload=upload, content_type=upload_content_type
                )
            if attachment is not None:
                attach(bill, attachment, actor)
            audit_record(
                company=company,
                actor=actor,
                action="bill.created",
                target=str(bill),
                ref=f"bill:{bill.pk}",
                data={"total": str(totals.total_amount), "currency": data.currency},
            )
    except IntegrityError:
        existing = write_for_key(company, submission_key)
        if existing is None:
            raise
        return existing.bill
    approvals_refresh(company=company, subjects=[bill_subject(bill)], announce=True)
    return bill


def bill_update(*, bill: Bill, actor: Actor, data: BillInput, submission_key: uuid.UUID) -> Bill:
    """Change an app-created bill: in the books (PUT) if it is there, else send it again.

    **Raises:** WriteInFlight, NotEditable. **Idempotent:** on `submission_key`.
    """
    existing = write_for_key(bill.company, submission_key)
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
        bills_changed(company_id=locked.company_id)
        ledger_write_create(
            company=locked.company,
            kind=kind,
            bill=locked,
            key=submission_key,
            created_by=user_or_none(actor),
        )
        audit_record(
            company=locked.company,
            actor=actor,
            action="bill.changed",
            target=str(locked),
            ref=f"bill:{locked.pk}",
            data={"total": str(totals.total_amount)},
        )
    if locked.review_status == Bill.Review.PENDING:  # another amount: its approval starts over
        approvals_refresh(company=locked.company, subjects=[bill_subject(locked)], announce=True)
    return locked


def bill_delete(*, bill: Bill, actor: Actor, submission_key: uuid.UUID) -> Bill:
    """Delete an app-created, unpaid bill: from the books if it reached them, else only here.

    **Raises:** WriteInFlight, NotEditable. **Idempotent:** on `submission_key`.
    """
    existing = write_for_key(bill.company, submission_key)
    if existing is not None:
        return existing.bill
    with transaction.atomic():
        locked = _lock_editable(bill, action="delete")
        audit_record(
            company=locked.company,
            actor=actor,
            action="bill.deleted",
            target=str(locked),
            ref=f"bill:{locked.pk}",
        )
        if not locked.is_in_books:  # never reached the books: nothing to send
            Bill.objects.filter(pk=locked.pk).update(is_deleted=True, push_state=PushState.NONE)
            locked.is_deleted = True
            bills_changed(company_id=locked.company_id)
            return locked
        Bill.objects.filter(pk=locked.pk).update(push_state=PushState.SENDING, push_error="")
        ledger_write_create(
            company=locked.company,
            kind=K.BILL_DELETE,
            bill=locked,
            key=submission_key,
            created_by=user_or_none(actor),
        )
    return locked


def bill_resend(*, bill: Bill, actor: Actor, submission_key: uuid.UUID) -> Bill:
    """Send a bill whose last write failed again, as it is now (a new push, a new key).

    **Raises:** WriteInFlight, DomainError (nothing failed). **Idempotent:** on `submission_key`.
    """
    existing = write_for_key(bill.company, submission_key)
    if existing is not None:
        return existing.bill
    with transaction.atomic():
        locked = Bill.objects.select_for_update().get(pk=bill.pk, company=bill.company)
        if LedgerWrite.objects.filter(bill=locked, push__status__in=Push.ACTIVE).exists():
            raise WriteInFlight(gettext("This bill is still being sent to your books."))
        last = (
            LedgerWrite.objects.filter(bill=locked)
            .select_related("push")
            .order_by("-created_at", "-id")
            .first()
        )
        if last is None or last.push.status != Push.Status.FAILED:
            raise DomainError(gettext("There is nothing to send again."))
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
            created_by=user_or_none(actor),
        )
        audit_record(
            company=locked.company,
            actor=actor,
            action="bill.resent",
            target=str(locked),
            ref=f"bill:{locked.pk}",
        )
    return locked


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
        )
        for position, (line, t) in enumerate(zip(data.lines, totals.lines, strict=True), start=1)
    )


def _lock_editable(bill: Bill, *, action: str) -> Bill:
    locked = Bill.objects.select_for_update().get(pk=bill.pk, company=bill.company)
    if locked.origin != Origin.APP:
        raise NotEditable(
            gettext("Only bills created in BillPay can be changed here; use your books.")
        )
    if LedgerWrite.objects.filter(bill=locked, push__status__in=Push.ACTIVE).exists():
        raise WriteInFlight(
            gettext("This bill is still being sent to your books. Try again in a moment.")
        )
    if locked.is_in_books:
        paid = locked.allocations.exists() or locked.amount_due < locked.total_amount
        if paid or locked.codat_status in ("Paid", "PartiallyPaid", "Void"):
            raise NotEditable(
                gettext("This bill has payments in your books, so it can't be changed here.")
            )
        caps = bill_capabilities(company=locked.company)
        allowed = caps.can_update if action == "change" else caps.can_delete
        if not allowed:
            refusal = (
                gettext(
                    "%(platform)s does not let BillPay change bills. "
                    "Make the change in %(platform)s itself."
                )
                if action == "change"
                else gettext(
                    "%(platform)s does not let BillPay delete bills. "
                    "Make the change in %(platform)s itself."
                )
            )
            raise NotEditable(refusal % {"platform": caps.platform_name})
    return locked
