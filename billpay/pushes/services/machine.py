"""The push machine: claim, send, follow, look up and reconcile one push (see the package docstring).

`push_advance` moves a push one step and says when to advance it again; it never schedules
anything itself (the task does), and it holds no transaction around a Codat call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from billpay.codat import CodatClient, get_codat_client
from billpay.codat.errors import (
    CodatConflictError,
    CodatError,
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatTransientError,
    ValidationItem,
)
from billpay.codat.schemas import PushOperation
from billpay.onboarding.errors import NotConnected
from billpay.onboarding.selectors import connection_get_linked
from billpay.pushes.models import Push
from billpay.pushes.services.adapters import WAIT, PushAdapter, adapter_for

logger = logging.getLogger(__name__)
S = Push.Status
# Codat replays the first answer to an Idempotency-Key for 90 minutes; stay well inside that.
REPLAY_WINDOW = timedelta(minutes=80)
# Push history is searched from a little before our first send: clocks differ.
HISTORY_SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class Later:
    """Advance the push again in `delay` seconds, as follow-up number `turn`."""

    delay: float
    turn: int


def push_advance(*, push_id: int, turn: int | None = None) -> Later | None:
    """Move one push a step: send it, follow it, or look up an unknown outcome.

    `turn` is set on scheduled follow-ups: one that a newer follow-up superseded does nothing.
    **Idempotent:** every step claims or moves the row with a conditional UPDATE; a final push
    is left alone. **Raises:** CodatTransientError (nothing was sent: retry later).
    **Transaction:** none around Codat calls; each recorded outcome is its own.
    """
    push = _load(push_id)
    if push is None or push.is_final:
        return None
    if turn is not None and turn != push.polls:
        return None
    adapter = adapter_for(push.kind)
    if push.status == S.SENDING:
        if not _stale(push):
            return None  # another worker is sending it right now
        _move(
            push,
            adapter,
            [S.SENDING],
            S.CHECKING,
            "The last try was interrupted: checking your books before sending anything again.",
            lookup={},
            polls=0,
        )
    if push.status == S.QUEUED:
        return _send(push, adapter)
    if push.status == S.SENT:
        return _follow(push, adapter)
    return _lookup(push, adapter)


def push_apply_success(*, push_id: int, record_id: str) -> None:
    """Codat said (in a signed webhook) that this push succeeded. **Idempotent.**"""
    push = _load(push_id)
    if push is not None and push.status in (S.SENT, S.CHECKING):
        _succeed(push, adapter_for(push.kind), record_id, "Recorded in your books")


def push_give_up(*, push_id: int, reason: str) -> None:
    """A push's task ran out of retries: never failed for that, it is looked up. **Idempotent.**"""
    push = _load(push_id)
    if push is not None and push.is_active and push.status != S.CHECKING:
        _move(push, adapter_for(push.kind), [push.status], S.CHECKING, reason, polls=0)


def push_sweep(*, older_than: timedelta, limit: int = 500) -> list[int]:
    """The unfinished pushes with no news for `older_than`, their follow-ups reset: to advance.

    **Idempotent:** advancing a push claims or checks it first, so an extra kick is harmless.
    """
    cutoff = timezone.now() - older_than
    ids = list(
        Push.objects.filter(status__in=Push.ACTIVE, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    Push.objects.filter(pk__in=ids).update(polls=0, updated_at=timezone.now())
    return ids


# --- sending ----------------------------------------------------------------------------------


def _send(push: Push, adapter: PushAdapter) -> Later | None:
    blocked = adapter.blocked(push)
    if blocked == WAIT:
        return _later(push)
    if blocked:
        _fail(push, adapter, blocked)
        return None
    try:
        connection = connection_get_linked(company=push.company)
    except NotConnected as exc:
        _fail(push, adapter, exc.message)  # nothing was sent, or a lookup found it absent
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
        adapter.on_change(push, "Sending to your books")
    try:
        with get_codat_client() as client:
            op = adapter.send(client, push, connection)
    except CodatTransientError as exc:
        # Nothing reached Codat (refused connection, 429): back in the queue, and retry.
        _move(push, adapter, [S.SENDING], S.QUEUED, exc.user_message)
        raise
    except (CodatOutcomeUnknownError, CodatConflictError) as exc:
        # Sent, but no answer (or "this key is still in flight"): look before sending again.
        logger.warning("push %s: outcome unknown: %s", push.pk, exc)
        _move(push, adapter, [S.SENDING], S.CHECKING, exc.user_message, lookup={}, polls=0)
        return _later(push)
    except CodatError as exc:
        _fail(push, adapter, exc.user_message, exc.validation)
        return None
    if isinstance(op, str):  # applied at once (an upload's empty 200): this is the record
        _succeed(push, adapter, op, "Recorded in your books")
        return None
    return _accepted(push, adapter, op, [S.SENDING])


def _accepted(
    push: Push, adapter: PushAdapter, op: PushOperation, from_statuses: Sequence[str]
) -> Later | None:
    """Codat holds a push operation for this push: record its key, then its status."""
    _move(
        push,
        adapter,
        from_statuses,
        S.SENT,
        "Sent to your books",
        push_operation_key=op.push_operation_key,
        sent_at=timezone.now(),
        polls=0,
        error="",
    )
    return _apply(push, adapter, op, first=True)


# --- following --------------------------------------------------------------------------------


def _follow(push: Push, adapter: PushAdapter) -> Later | None:
    try:
        with get_codat_client() as client:
            op = client.get_push_operation(
                company_id=push.company.codat_company_id,
                push_operation_key=push.push_operation_key,
            )
    except CodatNotFoundError:
        _move(push, adapter, [S.SENT], S.CHECKING, "Checking your books", lookup={}, polls=0)
        return _later(push)
    return _apply(push, adapter, op)


def _apply(
    push: Push, adapter: PushAdapter, op: PushOperation, *, first: bool = False
) -> Later | None:
    if op.status == "Success":
        _succeed(push, adapter, op.record_id or "", "Recorded in your books", op)
        return None
    if op.status == "Failed":
        _fail(push, adapter, op.error_message or "", op.validation.errors)
        return None
    if op.status == "TimedOut":
        # Codat stopped waiting for the platform; the write may still land. One rule: look.
        _move(
            push,
            adapter,
            [S.SENT, S.CHECKING],
            S.CHECKING,
            "Your books did not answer in time: checking whether it arrived.",
            lookup={"op_final": True},
            polls=0,
        )
        return _later(push)
    if push.status == S.CHECKING:
        _move(push, adapter, [S.CHECKING], S.SENT, "Waiting for your books", polls=0)
    # Pending. With webhooks the outcome usually arrives first: don't spend a call too soon.
    return _later(push, at_least=settings.PUSH_WEBHOOK_GRACE_SECONDS if first else 0)


# --- unknown outcomes -------------------------------------------------------------------------


def _lookup(push: Push, adapter: PushAdapter) -> Later | None:
    """Find the push in Codat or the books; resend only when that cannot make a second record."""
    try:
        connection = connection_get_linked(company=push.company)
    except NotConnected:
        Push.objects.filter(pk=push.pk).update(
            error="Reconnect your accounting software so we can check your books."
        )
        return None  # the sweep tries again once reconnected
    if push.first_sent_at is None:
        return _absent(push, adapter, {})  # it never left: nothing to look for
    state = dict(push.lookup or {})
    company_id = push.company.codat_company_id
    with get_codat_client() as client:
        if push.push_operation_key and not state.get("op_final"):
            op = client.get_push_operation(
                company_id=company_id, push_operation_key=push.push_operation_key
            )
            if op.status != "TimedOut":
                return _apply(push, adapter, op)
            state["op_final"] = True
        if state.get("pull_id") and not state.get("pulled"):
            pull = client.get_pull_operation(company_id=company_id, dataset_id=state["pull_id"])
            if not pull.is_completed:
                return _wait(push, state)
            state["pulled"] = True
        history = _unattributed(client, push, adapter)
        if not push.push_operation_key:
            mine = next(
                (op for op in history if op.data and adapter.same_record(push, op.data)), None
            )
            if mine is not None:
                return _accepted(push, adapter, mine, [S.CHECKING])
        record_id = adapter.find_in_books(client, push, connection)
        if record_id:
            _succeed(push, adapter, record_id, "Found in your books")
            return None
        if not state.get("pulled"):
            if any(op.status == "Pending" for op in history):
                return _wait(push, state)  # one of them may be ours: let it finish first
            try:
                pull = client.refresh_data_type(
                    company_id=company_id,
                    data_type=adapter.data_type,
                    connection_id=connection.codat_connection_id,
                )
            except (CodatConflictError, CodatOutcomeUnknownError):
                return _wait(push, state)  # a read is running: ask again shortly
            state.update(pull_id=pull.id, pulled=False)
            return _wait(push, state)
    # Not in the books, read afresh after none of our pushes could still be pending.
    return _absent(push, adapter, state)


def _absent(push: Push, adapter: PushAdapter, state: dict) -> Later | None:
    within_window = (
        push.first_sent_at is not None and timezone.now() - push.first_sent_at < REPLAY_WINDOW
    )
    resend = (
        push.first_sent_at is None
        or adapter.resend_is_idempotent
        # The same key inside the window: Codat answers with the first push if it arrived.
        or (within_window and not state.get("op_final"))
    )
    if resend:
        _move(
            push,
            adapter,
            [S.CHECKING],
            S.QUEUED,
            "Not in your books yet: sending it again.",
            lookup={},
            polls=0,
        )
        return _send(push, adapter) if push.status == S.QUEUED else None
    if within_window:
        # It timed out at Codat and may still land: look again after the next read.
        return _wait(push, {"op_final": True})
    _fail(
        push,
        adapter,
        "We couldn't confirm that your books recorded this. Check your books before sending "
        "it again.",
    )
    return None


def _unattributed(client: CodatClient, push: Push, adapter: PushAdapter) -> list[PushOperation]:
    """Pushes of this data type in Codat's history since ours was sent that no push of ours owns."""
    since = (push.first_sent_at or push.created_at) - HISTORY_SLACK
    ops = list(
        client.list_push_operations(
            company_id=push.company.codat_company_id,
            query=f"dataType={adapter.data_type}&&requestedOnUtc>={since:%Y-%m-%dT%H:%M:%SZ}",
        )
    )
    known = set(
        Push.objects.filter(
            company_id=push.company_id, push_operation_key__in=[op.push_operation_key for op in ops]
        ).values_list("push_operation_key", flat=True)
    )
    return [op for op in ops if op.push_operation_key not in known]


def _wait(push: Push, state: dict) -> Later | None:
    Push.objects.filter(pk=push.pk).update(lookup=state, updated_at=timezone.now())
    push.lookup = state
    later = _later(push)
    if later is None:
        logger.warning("push %s: still undecided after every poll; the sweep takes over", push.pk)
    return later


# --- outcomes ---------------------------------------------------------------------------------


def _succeed(
    push: Push,
    adapter: PushAdapter,
    record_id: str,
    message: str,
    op: PushOperation | None = None,
) -> None:
    now = timezone.now()
    with transaction.atomic():
        done = Push.objects.filter(pk=push.pk, status__in=Push.ACTIVE).update(
            status=S.SUCCEEDED,
            record_id=record_id,
            error="",
            validation=[],
            completed_at=now,
            updated_at=now,
        )
        if not done:
            return
        push.status, push.record_id, push.completed_at = S.SUCCEEDED, record_id, now
        adapter.on_change(push, message, op)
    adapter.after_success(push)


def _fail(
    push: Push, adapter: PushAdapter, reason: str, validation: Iterable[ValidationItem] = ()
) -> None:
    errors = [
        {"field": item.item_id or "", "message": (item.message or "").strip()}
        for item in validation or ()
        if (item.message or "").strip()
    ]
    text = adapter.describe_failure(push, reason, [e["message"] for e in errors])
    now = timezone.now()
    with transaction.atomic():
        done = Push.objects.filter(pk=push.pk, status__in=Push.ACTIVE).update(
            status=S.FAILED, error=text, validation=errors, completed_at=now, updated_at=now
        )
        if not done:
            return
        push.status, push.error, push.validation = S.FAILED, text, errors
        adapter.on_change(push, text)


def _move(
    push: Push,
    adapter: PushAdapter,
    from_statuses: Sequence[str],
    to: str,
    message: str,
    **fields: object,
) -> bool:
    """Move the push if it is still in one of `from_statuses`; tell its adapter."""
    with transaction.atomic():
        moved = Push.objects.filter(pk=push.pk, status__in=list(from_statuses)).update(
            status=to, updated_at=timezone.now(), **fields
        )
        if moved:
            push.status = to
            for name, value in fields.items():
                setattr(push, name, value)
            adapter.on_change(push, message)
    return bool(moved)


def _later(push: Push, *, at_least: float = 0) -> Later | None:
    """The next follow-up with a bounded backoff; None once the delays are used up."""
    delays = settings.PUSH_POLL_DELAYS
    turn = push.polls
    if turn >= len(delays):
        return None
    if not Push.objects.filter(pk=push.pk, polls=turn).update(polls=turn + 1):
        return None  # another follow-up took this turn
    push.polls = turn + 1
    return Later(delay=max(float(delays[turn]), float(at_least)), turn=turn + 1)


def _stale(push: Push) -> bool:
    cutoff = timezone.now() - timedelta(seconds=settings.PUSH_STALE_CLAIM_SECONDS)
    return push.claimed_at is None or push.claimed_at <= cutoff


def _load(push_id: int) -> Push | None:
    return Push.objects.select_related("company").filter(pk=push_id).first()
