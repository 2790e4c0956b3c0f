"""The push services: create a push, advance it, and the adapter registry (see the package)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from billpay.pushes.models import Push
from billpay.pushes.services.adapters import WAIT, PushAdapter, adapter_for, register
from billpay.pushes.services.machine import (
    Later,
    push_advance,
    push_apply_success,
    push_give_up,
    push_sweep,
)

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User


def push_create(
    *,
    company: Company,
    kind: str,
    body: str = "",
    created_by: User | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Push:
    """Store a write to send (queued), with a fresh Idempotency-Key unless one is given (a
    form's one-time key: a second POST of the form then collides on it).

    **Raises:** IntegrityError for a key used before. **Transaction:** joins the caller's, so
    the push exists exactly when the domain row that needs it does; the caller starts it after
    commit (`pushes.tasks.push_start`).
    """
    adapter = adapter_for(kind)
    return Push.objects.create(
        company=company,
        kind=kind,
        data_type=adapter.data_type,
        body=body,
        created_by=created_by,
        idempotency_key=idempotency_key or uuid.uuid4(),
    )


def push_create_many(
    *, company: Company, kind: str, bodies: list[str], created_by: User | None = None
) -> list[Push]:
    """`push_create` for many writes of one kind in one insert (a pay run's payments), each
    queued with a fresh Idempotency-Key, in the order of `bodies`.

    **Transaction:** joins the caller's; the caller starts each after commit.
    """
    data_type = adapter_for(kind).data_type
    return Push.objects.bulk_create(
        [
            Push(
                company=company,
                kind=kind,
                data_type=data_type,
                body=body,
                created_by=created_by,
                idempotency_key=uuid.uuid4(),
            )
            for body in bodies
        ]
    )


def push_find(*, company: Company, push_operation_key: str) -> Push | None:
    """Our push behind a push operation key, if it is one of ours."""
    if not push_operation_key:
        return None
    return Push.objects.filter(company=company, push_operation_key=push_operation_key).first()


__all__ = [
    "WAIT",
    "Later",
    "PushAdapter",
    "adapter_for",
    "push_advance",
    "push_apply_success",
    "push_create",
    "push_create_many",
    "push_find",
    "push_give_up",
    "push_sweep",
    "register",
]
