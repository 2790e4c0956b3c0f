"""Bumping the bills revision (`bills.selectors.revision`) after a write to a company's bills.

Every service that writes what the cached reads use (amounts, due dates, currency, status,
deletion, review, new or removed bills) calls `bills_changed` once per transaction or batch.
A write that forgets to would leave those reads stale for at most their cache's lifetime.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from billpay.bills.selectors.revision import bills_revision_key, new_bills_revision


def bills_changed(*, company_id: int) -> None:
    """Give the company's bills a new revision once the caller's transaction commits.

    After commit, so a reader that sees the new revision also sees the write; a rolled-back
    transaction bumps nothing. Outside a transaction it bumps at once.
    **Idempotent:** bumping twice only costs one more recompute.
    """
    transaction.on_commit(
        lambda: cache.set(bills_revision_key(company_id), new_bills_revision(), timeout=None)
    )
