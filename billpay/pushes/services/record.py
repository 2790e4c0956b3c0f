"""Recording what Codat said about a push: the conditional moves every step is made of.

Each move is one short transaction that also tells the push's adapter (`on_change`); nothing
here calls Codat except through what the caller passes in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from billpay.codat.errors import ValidationItem
from billpay.codat.schemas import PushOperation
from billpay.core.words import Phrase, store
from billpay.pushes.models import Push
from billpay.pushes.services.adapters import PushAdapter

logger = logging.getLogger(__name__)
S = Push.Status


@dataclass(frozen=True)
class Later:
    """Advance the push again in `delay` seconds, as follow-up number `turn`."""

    delay: float
    turn: int


def accepted(
    push: Push, adapter: PushAdapter, op: PushOperation, from_statuses: Sequence[str]
) -> Later | None:
    """Codat holds a push operation for this push: record its key, then its status."""
    move(
        push,
        adapter,
        from_statuses,
        S.SENT,
        gettext_noop("Sent to your books"),
        push_operation_key=op.push_operation_key,
        sent_at=timezone.now(),
        polls=0,
        **store("error", ""),
    )
    return apply(push, adapter, op, first=True)


def apply(
    push: Push, adapter: PushAdapter, op: PushOperation, *, first: bool = False
) -> Later | None:
    if op.status == "Success":
        succeed(push, adapter, op.record_id or "", gettext_noop("Recorded in your books"), op)
        return None
    if op.status == "Failed":
        fail(push, adapter, op.error_message or "", op.validation.errors)
        return None
    if op.status == "TimedOut":
        # Codat stopped waiting for the platform; the write may still land. One rule: look.
        move(
            push,
            adapter,
            [S.SENT, S.CHECKING],
            S.CHECKING,
            gettext_noop("Your books did not answer in time: checking whether it arrived."),
            lookup={"op_final": True},
            polls=0,
        )
        return later(push)
    if push.status == S.CHECKING:
        move(push, adapter, [S.CHECKING], S.SENT, gettext_noop("Waiting for your books"), polls=0)
    # Pending. With webhooks the outcome usually arrives first: don't spend a call too soon.
    return later(push, at_least=settings.PUSH_WEBHOOK_GRACE_SECONDS if first else 0)


def succeed(
    push: Push,
    adapter: PushAdapter,
    record_id: str,
    message: Phrase | str,
    op: PushOperation | None = None,
) -> None:
    now = timezone.now()
    with transaction.atomic():
        done = Push.objects.filter(pk=push.pk, status__in=Push.ACTIVE).update(
            status=S.SUCCEEDED,
            record_id=record_id,
            validation=[],
            **store("error", ""),
            completed_at=now,
            updated_at=now,
        )
        if not done:
            return
        push.status, push.record_id, push.completed_at = S.SUCCEEDED, record_id, now
        adapter.on_change(push, message, op)
    adapter.after_success(push)


def fail(
    push: Push,
    adapter: PushAdapter,
    reason: Phrase | str,
    validation: Iterable[ValidationItem] = (),
) -> None:
    """Fail the push: `reason` is ours (a phrase) or Codat's words, the validation the books'."""
    errors = [
        {"field": item.item_id or "", "message": (item.message or "").strip()}
        for item in validation or ()
        if (item.message or "").strip()
    ]
    text = adapter.describe_failure(push, reason, [e["message"] for e in errors])
    error = store("error", text)
    now = timezone.now()
    with transaction.atomic():
        done = Push.objects.filter(pk=push.pk, status__in=Push.ACTIVE).update(
            status=S.FAILED, validation=errors, completed_at=now, updated_at=now, **error
        )
        if not done:
            return
        push.status, push.validation = S.FAILED, errors
        push.error, push.error_i18n = error["error"], error["error_i18n"]
        adapter.on_change(push, text)


def move(
    push: Push,
    adapter: PushAdapter,
    from_statuses: Sequence[str],
    to: str,
    message: Phrase | str,
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


def later(push: Push, *, at_least: float = 0) -> Later | None:
    """The next follow-up with a bounded backoff, recorded as due (`next_check_at`) so that the
    sweep leaves it to its task; None once the delays are used up."""
    delays = settings.PUSH_POLL_DELAYS
    turn = push.polls
    if turn >= len(delays):
        Push.objects.filter(pk=push.pk).update(next_check_at=None)
        return None  # the sweep takes over
    delay = max(delays[turn], at_least)
    due = timezone.now() + timedelta(seconds=delay)
    if not Push.objects.filter(pk=push.pk, polls=turn).update(polls=turn + 1, next_check_at=due):
        return None  # another follow-up took this turn
    push.polls, push.next_check_at = turn + 1, due
    return Later(delay=delay, turn=turn + 1)


def stale(push: Push) -> bool:
    cutoff = timezone.now() - timedelta(seconds=settings.PUSH_STALE_CLAIM_SECONDS)
    return push.claimed_at is None or push.claimed_at <= cutoff


def load(push_id: int) -> Push | None:
    return Push.objects.select_related("company").filter(pk=push_id).first()
