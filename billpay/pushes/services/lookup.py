"""Looking a push up after an unknown outcome: push history, the books, a fresh read of them.

Nothing is re-sent from here: `lookup` either finds the push (and records it), waits, decides
it can be sent again (back to queued, same Idempotency-Key) or fails it past the replay window.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_noop

from billpay.codat import CodatClient, get_codat_client
from billpay.codat.errors import CodatConflictError, CodatOutcomeUnknownError
from billpay.codat.schemas import PushOperation
from billpay.core.words import store
from billpay.onboarding.errors import NotConnected
from billpay.onboarding.selectors import connection_get_linked
from billpay.pushes.models import Push
from billpay.pushes.services.adapters import PushAdapter
from billpay.pushes.services.record import Later, accepted, apply, fail, later, move, succeed

logger = logging.getLogger(__name__)
S = Push.Status
# Codat replays the first answer to an Idempotency-Key for 90 minutes; stay well inside that.
REPLAY_WINDOW = timedelta(minutes=80)
# Push history is searched from a little before our first send: clocks differ.
HISTORY_SLACK = timedelta(minutes=2)


def lookup(push: Push, adapter: PushAdapter) -> Later | None:
    """Find the push in Codat or the books; resend only when that cannot make a second record."""
    try:
        connection = connection_get_linked(company=push.company)
    except NotConnected:
        Push.objects.filter(pk=push.pk).update(
            **store(
                "error",
                gettext_noop("Reconnect your accounting software so we can check your books."),
            )
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
                return apply(push, adapter, op)
            state["op_final"] = True
        if state.get("pull_id") and not state.get("pulled"):
            pull = client.get_pull_operation(company_id=company_id, dataset_id=state["pull_id"])
            if not pull.is_completed:
                return wait(push, state)
            state["pulled"] = True
        needs_history = not push.push_operation_key or not state.get("pulled")
        history = _unattributed(client, push, adapter) if needs_history else []
        if not push.push_operation_key:
            mine = next(
                (op for op in history if op.data and adapter.same_record(push, op.data)), None
            )
            if mine is not None:
                return accepted(push, adapter, mine, [S.CHECKING])
        record_id = adapter.find_in_books(client, push, connection)
        if record_id:
            succeed(push, adapter, record_id, gettext_noop("Found in your books"))
            return None
        if not state.get("pulled"):
            if any(op.status == "Pending" for op in history):
                return wait(push, state)  # one of them may be ours: let it finish first
            try:
                pull = client.refresh_data_type(
                    company_id=company_id,
                    data_type=adapter.read_data_type or adapter.data_type,
                    connection_id=connection.codat_connection_id,
                )
            except (CodatConflictError, CodatOutcomeUnknownError):
                return wait(push, state)  # a read is running: ask again shortly
            state.update(pull_id=pull.id, pulled=False)
            return wait(push, state)
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
        move(
            push,
            adapter,
            [S.CHECKING],
            S.QUEUED,
            gettext_noop("Not in your books yet: sending it again."),
            lookup={},
            polls=0,
        )
        return None  # queued again: `push_advance` sends it now
    if within_window:
        # It timed out at Codat and may still land: look again after the next read.
        return wait(push, {"op_final": True})
    fail(
        push,
        adapter,
        gettext_noop(
            "We couldn't confirm that your books recorded this. Check your books before sending "
            "it again."
        ),
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


def wait(push: Push, state: dict) -> Later | None:
    Push.objects.filter(pk=push.pk).update(lookup=state, updated_at=timezone.now())
    push.lookup = state
    follow_up = later(push)
    if follow_up is None:
        logger.warning("push %s: still undecided after every poll; the sweep takes over", push.pk)
    return follow_up
