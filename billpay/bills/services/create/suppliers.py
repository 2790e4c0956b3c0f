"""Suppliers created or changed from here."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from billpay.bills.models import LOCAL_ID_PREFIX, LedgerWrite, Origin, PushState, Supplier
from billpay.bills.services.create.common import K, WriteInFlight, user_or_none, write_for_key
from billpay.bills.services.create.inputs import SupplierInput
from billpay.bills.services.writes import ledger_write_create
from billpay.core.services import audit_record
from billpay.pushes.models import Push

if TYPE_CHECKING:
    from billpay.core.services import Actor
    from billpay.onboarding.models import Company


def supplier_create(
    *, company: Company, actor: Actor, data: SupplierInput, submission_key: uuid.UUID
) -> Supplier:
    """Store a new supplier as "sending" and queue its push.

    **Idempotent:** on `submission_key`. **Transaction:** one, with the enqueue after commit.
    """
    existing = write_for_key(company, submission_key)
    if existing is not None:
        return existing.supplier or existing.bill.supplier
    try:
        with transaction.atomic():
            supplier = supplier_new(company, actor, data, submission_key)
    except IntegrityError:
        existing = write_for_key(company, submission_key)
        if existing is None:
            raise
        return existing.supplier
    return supplier


def supplier_update(
    *, supplier: Supplier, actor: Actor, data: SupplierInput, submission_key: uuid.UUID
) -> Supplier:
    """Change a supplier here and in the books (PUT), or send a failed new one again.

    **Raises:** WriteInFlight. **Idempotent:** on `submission_key`.
    """
    existing = write_for_key(supplier.company, submission_key)
    if existing is not None:
        return existing.supplier
    with transaction.atomic():
        locked = Supplier.objects.select_for_update().get(pk=supplier.pk, company=supplier.company)
        if LedgerWrite.objects.filter(supplier=locked, push__status__in=Push.ACTIVE).exists():
            raise WriteInFlight(gettext("This supplier is still being sent to your books."))
        for name, value in _supplier_fields(data, locked).items():
            setattr(locked, name, value)
        locked.push_state, locked.push_error = PushState.SENDING, ""
        locked.save()
        ledger_write_create(
            company=locked.company,
            kind=K.SUPPLIER_UPDATE if locked.is_in_books else K.SUPPLIER_CREATE,
            supplier=locked,
            key=submission_key,
            created_by=user_or_none(actor),
        )
        audit_record(
            company=locked.company,
            actor=actor,
            action="supplier.changed",
            target=str(locked),
            ref=f"supplier:{locked.pk}",
        )
    return locked


def supplier_new(company: Company, actor: Actor, data: SupplierInput, key: uuid.UUID) -> Supplier:
    """Insert a new supplier and its create write (also for a supplier typed into the bill form).

    **Transaction:** joins the caller's, with the enqueue after its commit.
    """
    supplier = Supplier(
        company=company,
        codat_supplier_id=f"{LOCAL_ID_PREFIX}{key}",
        status="Active",
        origin=Origin.APP,
        push_state=PushState.SENDING,
    )
    for name, value in _supplier_fields(data, supplier).items():
        setattr(supplier, name, value)
    supplier.save()
    ledger_write_create(
        company=company,
        kind=K.SUPPLIER_CREATE,
        supplier=supplier,
        key=key,
        created_by=user_or_none(actor),
    )
    audit_record(
        company=company,
        actor=actor,
        action="supplier.created",
        target=str(supplier),
        ref=f"supplier:{supplier.pk}",
    )
    return supplier


def _supplier_fields(data: SupplierInput, supplier: Supplier) -> dict:
    address = {
        "type": "Billing",
        "line1": data.address_line1,
        "line2": data.address_line2,
        "city": data.city,
        "region": data.region,
        "postalCode": data.postal_code,
        "country": data.country,
    }
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
