"""Who sent a document: the supplier matched by VAT number or SIREN, then by name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from billpay.bills.models import Supplier

if TYPE_CHECKING:
    from billpay.inbound.einvoice import Party
    from billpay.onboarding.models import Company

BY_VAT, BY_SIREN, BY_NAME, NEW = "vat", "siren", "name", "new"


def supplier_match(*, company: Company, party: Party) -> tuple[Supplier | None, str]:
    """The company's supplier for this party, and how it was found (None, NEW: none fits)."""
    suppliers = Supplier.objects.filter(company=company, is_deleted=False)
    if party.vat_number:
        found = suppliers.filter(tax_number__iexact=party.vat_number).first()
        if found is not None:
            return found, BY_VAT
    if party.name:
        found = suppliers.filter(name__iexact=party.name.strip()).first()
        if found is not None:
            return found, BY_NAME
    return None, NEW
