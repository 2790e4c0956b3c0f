"""Audit trail writes. Every other app records its user-visible actions through audit_record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from billpay.core.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db import models

    # Who did something: a signed-in user, or None (or an anonymous user) for BillPay itself.
    # (onboarding.User is an AbstractBaseUser: core imports nothing above it.)
    Actor = AbstractBaseUser | AnonymousUser | None


def audit_record(
    *,
    company: models.Model,  # onboarding.Company: core imports nothing above it
    actor: Actor,
    action: str,
    target: str = "",
    ref: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one audit event. **Transaction:** joins the caller's, so it commits with the change."""
    return AuditEvent.objects.create(
        company=company,
        actor_id=_actor_id(actor),
        action=action,
        target=target[:200],
        ref=ref,
        data=data or {},
    )


@dataclass(frozen=True)
class AuditEntry:
    """One event of `audit_record_many`: what `audit_record` takes besides company and actor."""

    action: str
    target: str = ""
    ref: str = ""
    data: dict = field(default_factory=dict)


def audit_record_many(
    *, company: models.Model, actor: Actor, entries: list[AuditEntry]
) -> list[AuditEvent]:
    """Append many audit events of one actor in one insert, in this order.

    **Transaction:** joins the caller's.
    """
    actor_id = _actor_id(actor)
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                company=company,
                actor_id=actor_id,
                action=e.action,
                target=e.target[:200],
                ref=e.ref,
                data=e.data,
            )
            for e in entries
        ]
    )


def _actor_id(actor: Actor) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None
