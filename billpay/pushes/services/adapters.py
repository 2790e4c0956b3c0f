"""What each kind of write plugs into the push machine, and the registry of kinds.

Apps register their adapters in `AppConfig.ready()`, so `pushes` imports no domain app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_noop

from billpay.codat import CodatClient
from billpay.codat.schemas import PushOperation
from billpay.codat.serialize import loads
from billpay.core.words import Phrase, joined, phrase

if TYPE_CHECKING:
    from billpay.onboarding.models import AccountingConnection
    from billpay.pushes.models import Push

# `PushAdapter.blocked()` returns this while the write must wait for another one.
WAIT = "wait"


class PushAdapter:
    """How one kind of write is sent, found in the books, and finished.

    Hooks that run inside the machine's transaction (`on_change`) must not do network I/O;
    `after_success` runs after that transaction, for refreshes and syncs.
    """

    kind: ClassVar[str]  # the registry key, stored on Push.kind
    data_type: ClassVar[str]  # Codat's data type: push history and webhooks
    # The data type `find_in_books` reads, which a lookup asks Codat to read afresh (when it is
    # not the pushed one, e.g. a bank account pushed as bankAccounts is read from accounts).
    read_data_type: ClassVar[str] = ""
    # A resend of the same body cannot create a second record (an update is a PUT).
    resend_is_idempotent: ClassVar[bool] = False
    # Fields of the body that, all equal, make a record in push history ours.
    history_keys: ClassVar[tuple[str, ...]] = ()

    def body(self, push: Push) -> str:
        """The JSON to send, built at the first claim when the push has none yet."""
        return push.body

    def blocked(self, push: Push) -> Phrase | str:
        """Empty when the write can go now, `WAIT` while it needs another write first, else why
        it never can (the push fails without being sent)."""
        return ""

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation | str:
        """Send the write: Codat's push operation, or the record's id when Codat applied the
        write at once (an upload answered with an empty 200)."""
        raise NotImplementedError

    def same_record(self, push: Push, echoed: Mapping) -> bool:
        """Whether a record echoed in push history is this write's body."""
        if not push.body or not self.history_keys:
            return False
        body = loads(push.body)
        keys = [k for k in self.history_keys if k in body]
        return bool(keys) and all(echoed.get(k) == body.get(k) for k in keys)

    def find_in_books(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> str:
        """The ledger id of this write's record in the books, or empty if it is not there."""
        return ""

    def on_change(self, push: Push, message: Phrase | str, op: PushOperation | None = None) -> None:
        """The push moved to `push.status` (inside the transaction that moved it); on success
        `op` is Codat's push operation when there is one."""

    def after_success(self, push: Push) -> None:
        """The push succeeded and that is committed: refresh mirrors, queue what waited on it."""

    def describe_failure(self, push: Push, reason: Phrase | str, messages: list[str]) -> Phrase:
        """The failure as the user reads it, from the reason (ours, or Codat's words) and the
        books' validation messages (kept as they wrote them)."""
        said = joined(reason, *messages)
        return said if said.msgid else phrase(gettext_noop("Your books refused it."))


_REGISTRY: dict[str, PushAdapter] = {}


def register(adapter: PushAdapter) -> PushAdapter:
    """Register an adapter under its kind (from the owning app's `ready()`). **Idempotent.**"""
    _REGISTRY[adapter.kind] = adapter
    return adapter


def adapter_for(kind: str) -> PushAdapter:
    """The adapter of a kind of push. **Raises:** LookupError for a kind no app registered."""
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"no push adapter registered for {kind!r}") from None


def registered_data_types() -> set[str]:
    """Codat data types some adapter writes: their `{dataType}.write.*` webhooks are ours."""
    return {adapter.data_type for adapter in _REGISTRY.values()}
