"""Each company's inbound address (bills-<token>@INBOUND_EMAIL_DOMAIN): made once, changed
when it leaks, and found again from whatever recipient form an email carries."""

from __future__ import annotations

import re
from email.utils import getaddresses
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from billpay.core.services import audit_record
from billpay.inbound.models import InboundAddress, new_token

if TYPE_CHECKING:
    from collections.abc import Iterable

    from billpay.core.services import Actor
    from billpay.onboarding.models import Company

# "bills-<token>", optionally "+anything" after it (a sub-address), any letter case.
_LOCAL_PART = re.compile(r"^bills-([a-z0-9]{8,40})(?:\+.*)?$")


def inbound_address_get(*, company: Company) -> InboundAddress:
    """The company's address, made on first use. Safe when two requests make it at once: the
    one-to-one is unique, so the loser of the race reads the winner's row."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                address, _created = InboundAddress.objects.get_or_create(company=company)
            return address
        except IntegrityError:  # the other request's row (or, once in 2^82, a token taken)
            found = InboundAddress.objects.filter(company=company).first()
            if found is not None:
                return found
    raise RuntimeError("Could not make an inbound address")  # pragma: no cover


def inbound_address_rotate(*, company: Company, actor: Actor) -> InboundAddress:
    """A new token (the old address stops working at once), for when the address leaked.
    **Transaction:** its own; audited."""
    inbound_address_get(company=company)
    with transaction.atomic():
        address = InboundAddress.objects.select_for_update().get(company=company)
        address.token = new_token()
        address.save(update_fields=["token", "updated_at"])
        audit_record(company=company, actor=actor, action="inbound_address.rotated")
    return address


def company_for_recipient(address: str) -> Company | None:
    """The company whose inbound address this is, from any form: `bills-<token>@domain`,
    with a `+tag`, in any case, with a display name (`"Bills" <BILLS-abc…@x>`). None if unknown
    (or rotated away). The domain is not checked: the token alone is the secret."""
    for token in _tokens([address]):
        found = InboundAddress.objects.select_related("company").filter(token=token).first()
        if found is not None:
            return found.company
    return None


def companies_for_recipients(addresses: Iterable[str]) -> list[Company]:
    """Every company one email is addressed to (To, Cc, envelope…), each once, in a stable order."""
    tokens = _tokens(addresses)
    if not tokens:
        return []
    found = InboundAddress.objects.select_related("company").filter(token__in=tokens)
    return [a.company for a in sorted(found, key=lambda a: a.company_id)]


def _tokens(addresses: Iterable[str]) -> list[str]:
    tokens = []
    for _name, addr in getaddresses([str(a) for a in addresses if a]):
        local = addr.strip().lower().rsplit("@", 1)[0] if "@" in addr else ""
        match = _LOCAL_PART.match(local)
        if match and match.group(1) not in tokens:
            tokens.append(match.group(1))
    return tokens
