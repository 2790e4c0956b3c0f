"""Audit trail writes. Every other app records its user-visible actions through audit_record."""

from typing import Any

from billpay.core.models import AuditEvent


def audit_record(
    *,
    company: Any,
    actor: Any | None,
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
