"""Audit trail writes. Every other app records its user-visible actions through audit_record."""

from __future__ import annotations

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
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        company=company,
        actor_id=actor_id,
        action=action,
        target=target[:200],
        ref=ref,
        data=data or {},
    )
