"""The bills revision: a token that changes whenever a company's bills change.

Reads that are costly over every bill (the overview's snapshot of unpaid bills) are cached under
the company's current revision, so a change to any bill makes them miss and recompute. The token
is random, not a counter: if the cache loses it (eviction, a restart), a new one is made, and it
can never match a snapshot cached under an older one. Writers bump it with
`bills.services.bills_changed` once their transaction has committed.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache


def bills_revision_key(company_id: int) -> str:
    return f"billpay:bills-revision:{company_id}"


def bills_revision(*, company_id: int) -> str:
    """The company's current bills revision (made, and kept, on first read).

    Read it before the read it versions: a change committed in between then leaves the result
    under the old revision, which nobody asks for after the bump.
    """
    return cache.get_or_set(bills_revision_key(company_id), new_bills_revision, timeout=None)


def new_bills_revision() -> str:
    """A fresh revision token."""
    return secrets.token_hex(8)
