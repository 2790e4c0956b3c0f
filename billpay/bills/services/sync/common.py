"""What every part of the sync shares: the data types, the words for the owner, the outcomes,
the errors and the counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import psycopg
from django.db import DataError
from django.utils.translation import gettext_noop

from billpay.core.words import Phrase

# Suppliers first, so bills and credit notes can point at them.
SYNC_DATA_TYPES = ("suppliers", "taxRates", "accounts", "bills", "billCreditNotes")
# Codat's dataStatus keys for our data types.
DATASET_KEYS = {
    "suppliers": "suppliers",
    "taxRates": "taxRates",
    "accounts": "chartOfAccounts",
    "bills": "bills",
    "billCreditNotes": "billCreditNotes",
}
DATA_TYPE_BY_KEY = {key: data_type for data_type, key in DATASET_KEYS.items()}
# Types the app works without when the platform has none (a sync of the rest goes on).
OPTIONAL_TYPES = {"taxRates", "billCreditNotes"}
# Words for the owner, per data type.
TYPE_NAMES = {
    "suppliers": gettext_noop("suppliers"),
    "taxRates": gettext_noop("tax rates"),
    "accounts": gettext_noop("chart of accounts"),
    "bills": gettext_noop("bills"),
    "billCreditNotes": gettext_noop("credit notes"),
}
# Codat's dataStatus `currentStatus` values while a read is still going.
READ_IN_PROGRESS = {
    "Initial",
    "Queued",
    "Fetching",
    "MapQueued",
    "Mapping",
    "ProcessingQueued",
    "Processing",
    "ValidationQueued",
    "Validating",
}
# The ones that end a read without data, and what the owner is told (an unknown status is
# waited for: the wait itself is bounded by SYNC_WAIT_RETRIES).
# Kept as phrases (core.words): the owner reads them in their language, whoever synced.
READ_ERRORS = {
    "AuthError": gettext_noop(
        "%(platform)s refused access to your %(what)s. Reconnect it from the Connection "
        "page, with a user allowed to see bills and suppliers."
    ),
    "PermissionsError": gettext_noop(
        "The user who connected %(platform)s is not allowed to see your %(what)s. "
        "Reconnect with a user who is."
    ),
    "PrerequisiteNotMet": gettext_noop(
        "%(platform)s needs something set up before your %(what)s can be read. "
        "Check your accounting software's settings, then sync again."
    ),
    "RateLimitError": gettext_noop(
        "%(platform)s is limiting how fast it can be read. Sync again in an hour."
    ),
    "Cancelled": gettext_noop("Reading your %(what)s was cancelled. Sync again to retry."),
    "NotSupported": gettext_noop(
        "%(platform)s does not share %(what)s with BillPay, so we cannot list your bills."
    ),
}
READ_FAILED = gettext_noop(
    "We could not read your %(what)s from %(platform)s. This is usually temporary: sync again in "
    "a few minutes, and if it keeps failing, contact support."
)  # FetchError, MapError, InternalError, ProcessingError, ValidationError
READ_ERROR_STATUSES = {
    *READ_ERRORS,
    "FetchError",
    "MapError",
    "InternalError",
    "ProcessingError",
    "ValidationError",
}
UNEXPECTED = gettext_noop(
    "Something went wrong while reading your books. Sync again in a few minutes; if it keeps "
    "failing, contact support."
)
INTERRUPTED = gettext_noop("The sync was interrupted.")
MAX_SKIP_REASONS = 20
# A read already under way when one of our writes landed may finish after it without it.
UNSEEN_MARGIN = timedelta(minutes=10)


class SyncOutcome(StrEnum):
    DONE = "done"
    WAITING = "waiting"  # Codat's first read is not finished: try again shortly
    SKIPPED = "skipped"  # the run was not ours to execute (finished, or running elsewhere)


class SyncInterrupted(Exception):
    """The run was expired as stale while it was still going: another run has replaced it."""


class SyncFailed(Exception):
    """The sync cannot go on: `message` is for the owner (a phrase), `detail` for staff."""

    def __init__(self, message: Phrase, detail: str = "") -> None:
        super().__init__(message.english())
        self.message, self.detail = message, detail


@dataclass
class TypeCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0


# What the database raises for a value the checks let through (a NUL inside the raw JSON, a
# lone surrogate): the batch is then written record by record to find the culprit.
REFUSED = (DataError, psycopg.DataError, ValueError)


def aware(value: datetime) -> datetime:
    """The time with UTC assumed when Codat sent it without an offset."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
