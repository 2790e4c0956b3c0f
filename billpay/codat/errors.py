"""Errors raised by the Codat client.

Callers decide what to do from the class alone:
- `CodatTransientError` (and `CodatRateLimitedError`): try again later, e.g. a Celery retry.
- `CodatOutcomeUnknownError`: a write may or may not have happened. Never re-send blindly;
  look the record up in the books (push history) first. Deliberately *not* transient.
- `CodatAuthError`: the connection must be re-authorised by the customer.
- `CodatNotFoundError`, `CodatConflictError`, `CodatRequestError`: permanent for this request.

`user_message` is what a small-business owner sees; `str(error)` is for logs and developers.
`user_words` is the same as a msgid and its parameters, for a text kept and shown later in the
reader's language (`billpay.core.words.Phrase`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationItem:
    """One entry of Codat's `validation.errors` / `validation.warnings`."""

    item_id: str | None = None
    message: str | None = None
    validator_name: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


class CodatError(Exception):
    """Base class: anything that went wrong talking to Codat."""

    default_user_message = gettext_noop(
        "Something went wrong talking to your accounting software. Please try again later."
    )

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error: str | None = None,
        correlation_id: str | None = None,
        validation: tuple[ValidationItem, ...] = (),
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.correlation_id = correlation_id
        self.validation = validation
        self.retry_after = retry_after
        self.method = method
        self.path = path

    @property
    def user_words(self) -> tuple[str, dict[str, str]]:
        """`user_message` untranslated: its msgid and parameters."""
        return self.default_user_message, {}

    @property
    def user_message(self) -> str:
        msgid, params = self.user_words
        return gettext(msgid) % params if params else gettext(msgid)


class CodatAuthError(CodatError):
    """401/403: the API key or the company's connection is not accepted."""

    default_user_message = gettext_noop(
        "Your accounting software connection needs to be re-authorised."
    )


class CodatNotFoundError(CodatError):
    """404: company, connection or record not found (or data type not supported)."""

    default_user_message = gettext_noop(
        "We couldn't find this in your accounting software. It may have been deleted there."
    )


class CodatConflictError(CodatError):
    """409: dataset not requested yet or still syncing, or an idempotency key in flight."""

    default_user_message = gettext_noop(
        "Your accounting data is still being synced. Please try again in a few minutes."
    )


class CodatRequestError(CodatError):
    """Any other 4xx (400, 402, 405, 422...): permanent, re-sending will not help."""

    default_user_message = gettext_noop("Your accounting software could not accept this request.")

    @property
    def user_words(self) -> tuple[str, dict[str, str]]:
        # Codat's validation messages are usually readable ("Amount must be positive").
        details = [item.message for item in self.validation if item.message]
        if details:
            return (
                gettext_noop("Your accounting software could not accept this request. %(detail)s"),
                {"detail": details[0]},
            )
        return self.default_user_message, {}


class CodatTransientError(CodatError):
    """5xx, timeouts or connection failures that survived our retries: try again later."""

    default_user_message = gettext_noop(
        "Your accounting software isn't responding right now. We'll try again shortly."
    )


class CodatRateLimitedError(CodatTransientError):
    """429 after our retries (or a Retry-After longer than our time budget)."""

    default_user_message = gettext_noop(
        "Your accounting software is busy right now. We'll try again in a little while."
    )


class CodatOutcomeUnknownError(CodatError):
    """A write may have reached Codat but we got no answer: check before re-sending."""

    default_user_message = gettext_noop(
        "We couldn't confirm whether your accounting software recorded this change. "
        "We'll check before trying again."
    )


class CodatInvalidResponseError(CodatError):
    """Codat answered 2xx with something we cannot read (not JSON, or a required field missing)."""

    default_user_message = gettext_noop(
        "Your accounting software sent a reply we couldn't read. Please try again later."
    )
