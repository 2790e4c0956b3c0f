"""How the engine reaches the apps above it (bills, payments, runs), filled in their ready().

- A *decider* applies a decision through the subject's own service (which checks it and calls
  `services.approval_decide`): the "Waiting for me" list approves through it.
- An *opener* lists a company's subjects still open to approval (bills to review, prepared
  payments, draft runs): when rules change, their requests follow.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from billpay.approvals.subjects import Subject
    from billpay.onboarding.models import Company, User

# (company=, actor=, object_id=, decision=, comment=, form_token=None)
Decider = Callable[..., None]
Opener = Callable[["Company"], list["Subject"]]

_deciders: dict[str, Decider] = {}
_openers: dict[str, Opener] = {}


def register(kind: str, *, decider: Decider, opener: Opener) -> None:
    _deciders[kind] = decider
    _openers[kind] = opener


def decide(
    kind: str,
    *,
    company: Company,
    actor: User,
    object_id: int,
    decision: str,
    comment: str,
    form_token: uuid.UUID | None = None,
) -> None:
    _deciders[kind](
        company=company,
        actor=actor,
        object_id=object_id,
        decision=decision,
        comment=comment,
        form_token=form_token,
    )


def open_subjects(company: Company) -> list[Subject]:
    return [subject for opener in _openers.values() for subject in opener(company)]


def kinds() -> list[str]:
    return sorted(_openers)


Suppliers = Callable[["Company"], list[tuple[str, str]]]
_suppliers: list[Suppliers] = []


def register_suppliers(source: Suppliers) -> None:
    """Where a rule's supplier is picked from (bills fills it: (codat id, name) pairs)."""
    _suppliers[:] = [source]


def suppliers(company: Company) -> list[tuple[str, str]]:
    return _suppliers[0](company) if _suppliers else []
