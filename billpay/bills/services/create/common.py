"""The errors the create and change services raise, and the lookups they share."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from billpay.bills.models import Bill, LedgerWrite
from billpay.core.errors import DomainError

if TYPE_CHECKING:
    from billpay.core.services import Actor
    from billpay.onboarding.models import Company, User

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


def write_for_key(company: Company, key: uuid.UUID) -> LedgerWrite | None:
    """The write a submission key already made, if any (the idempotency check)."""
    return (
        LedgerWrite.objects.select_related("bill", "supplier", "bill__supplier", "credit_note")
        .filter(company=company, push__idempotency_key=key)
        .first()
    )


def user_or_none(actor: Actor) -> User | None:
    """The signed-in user to store as the author; None for the system or an anonymous actor."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
