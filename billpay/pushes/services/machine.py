"""The push machine: claim, send, follow, look up and reconcile one push (see the package docstring).

`push_advance` moves a push one step and says when to advance it again; it never schedules
anything itself (the task does), and it holds no transaction around a Codat call.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from billpay.codat import get_codat_client
from billpay.codat.errors import (
    CodatConflictError,
    CodatError,
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatTransientError,
)
from billpay.core.words import error_phrase
from billpay.onboarding.errors import NotConnected
from billpay.onboarding.selectors import connection_get_linked, webhook_event_waiting
from billpay.onboarding.services import webhook_process
from billpay.pushes.models import Push
from billpay.pushes.services.adapters import WAIT, PushAdapter, adapter_for
from billpay.pushes.services.lookup import lookup
from billpay.pushes.services.record import (
    Later,
    accepted,
    apply,
    fail,
    later,
    load,
    move,
    stale,
    succeed,
)

logger = logging.getLogger(__name__)
S = Push.Status


def push_advance(*, push_id: int, turn: int | None = None) -> Later | None:
    """Move one push a step: send it, follow it, or look up an unknown outcome.

    `turn` is set on scheduled follow-ups: one that a newer follow-up superseded does nothing.
    **Idempotent:** every step claims or moves the row with a conditional UPDATE; a final push
    is left alone. **Raises:** CodatTransientError (nothing was sent: retry later).
    **Transaction:** none around Codat calls; each recorded outcome is its own.
    """
    push = load(push_id)
    if push is None or push.is_final:
        return None
    if turn is not None and turn != push.polls:
        return None
    adapter = adapter_for(push.kind)
    if push.status == S.SENDING:
        if not stale(push):
            return None  # another worker is sending it right now
        move(
            push,
            adapter,
            [S.SENDING],
            S.CHECKING,
            gettext_noop(
                "The last try was interrupted: checking your books before sending anything again."
            ),
            lookup={},
            polls=0,
        )
    if push.status == S.SENT:
        return _follow(push, adapter)
    if push.status == S.CHECKING:
        follow_up = lookup(push, adapter)
        if push.status != S.QUEUED:
            return follow_up
    return _send(push, adapter)  # queued, or queued again by the lookup


def push_apply_success(*, push_id: int, record_id: str) -> None:
    """Codat said (in a signed webhook) that this push succeeded. **Idempotent.**"""
    push = load(push_id)
    if push is not None and push.status in (S.SENT, S.CHECKING):
        succeed(push, adapter_for(push.kind), record_id, gettext_noop("Recorded in your books"))


def push_give_up(*, push_id: int, reason: str) -> None:
    """A push's task ran out of retries: never failed for that, it is looked up. **Idempotent.**"""
    push = load(push_id)
    if push is not None and push.is_active and push.status != S.CHECKING:
        move(push, adapter_for(push.kind), [push.status], S.CHECKING, reason, polls=0)


def push_sweep(*, older_than: timedelta, limit: int = 500) -> list[int]:
    """The unfinished pushes with no news for `older_than` and no follow-up due within it (its
    task was lost, its worker died, or the follow-ups ran out), reset: to advance.

    **Idempotent:** advancing a push claims or checks it first, so an extra kick is harmless.
    """
    cutoff = timezone.now() - older_than
    ids = list(
        Push.objects.filter(status__in=Push.ACTIVE, updated_at__lt=cutoff)
        .filter(Q(next_check_at__isnull=True) | Q(next_check_at__lt=cutoff))
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    Push.objects.filter(pk__in=ids).update(polls=0, next_check_at=None, updated_at=timezone.now())
    return ids


# --- sending ----------------------------------------------------------------------------------


def _send(push: Push, adapter: PushAdapter) -> Later | None:
    blocked = adapter.blocked(push)
    if blocked == WAIT:
        return later(push)
    if blocked:
        fail(push, adapter, blocked)
        return None
    try:
        connection = connection_get_linked(company=push.company)
    except NotConnected as exc:
        fail(push, adapter, exc.message)  # nothing was sent, or a lookup found it absent
        return None
    body = push.body or adapter.body(push)
    now = timezone.now()
    with transaction.atomic():
        claimed = Push.objects.filter(pk=push.pk, status=S.QUEUED).update(
            status=S.SENDING,
            body=body,
            attempts=F("attempts") + 1,
            claimed_at=now,
            first_sent_at=Coalesce("first_sent_at", Value(now)),
            updated_at=now,
        )
        if not claimed:
            return None
        push.refresh_from_db()
        adapter.on_change(push, gettext_noop("Sending to your books"))
    try:
        with get_codat_client() as client:
            op = adapter.send(client, push, connection)
    except CodatTransientError as exc:
        # Nothing reached Codat (refused connection, 429): back in the queue, and retry.
        move(push, adapter, [S.SENDING], S.QUEUED, error_phrase(exc))
        raise
    except (CodatOutcomeUnknownError, CodatConflictError) as exc:
        # Sent, but no answer (or "this key is still in flight"): look before sending again.
        logger.warning("push %s: outcome unknown: %s", push.pk, exc)
        move(push, adapter, [S.SENDING], S.CHECKING, error_phrase(exc), lookup={}, polls=0)
        return later(push)
    except CodatError as exc:
        fail(push, adapter, error_phrase(exc), exc.validation)
        return None
    if isinstance(op, str):  # applied at once (an upload's empty 200): this is the record
        succeed(push, adapter, op, gettext_noop("Recorded in your books"))
        return None
    return accepted(push, adapter, op, [S.SENDING])


# --- following --------------------------------------------------------------------------------


def _follow(push: Push, adapter: PushAdapter) -> Later | None:
    if _settled_by_waiting_webhook(push):
        return None
    try:
        with get_codat_client() as client:
            op = client.get_push_operation(
                company_id=push.company.codat_company_id,
                push_operation_key=push.push_operation_key,
            )
    except CodatNotFoundError:
        move(
            push,
            adapter,
            [S.SENT],
            S.CHECKING,
            gettext_noop("Checking your books"),
            lookup={},
            polls=0,
        )
        return later(push)
    return apply(push, adapter, op)


def _settled_by_waiting_webhook(push: Push) -> bool:
    """Codat's success webhook for this push arrived but still waits for its task (behind the
    sends of a pay run, say): process it now instead of asking Codat for the push's status."""
    event = webhook_event_waiting(
        company=push.company,
        event_type=f"{push.data_type}.write.successful",
        payload_id=push.push_operation_key,
    )
    if event is None:
        return False
    webhook_process(event_id=event.pk)
    settled = load(push.pk)
    return settled is None or settled.is_final
