"""What a full sync no longer finds in the books is marked deleted here."""

from __future__ import annotations

from datetime import datetime

from django.db import models

from billpay.bills.models import LOCAL_ID_PREFIX, Bill
from billpay.bills.services.revision import bills_changed
from billpay.bills.services.sync.common import UNSEEN_MARGIN
from billpay.onboarding.models import Company


def mark_vanished(
    model: type[models.Model],
    key: str,
    company: Company,
    seen: set[str],
    cache_read_at: datetime | None,
) -> int:
    """Mark deleted what a full read no longer lists.

    Not what the app itself created in the books and Codat's cache has not read yet: a record
    never seen in the cache (no modifiedDate) is spared unless it was written here well before
    the cache's last successful read of its type (the margin covers a read already under way
    when our write landed). Without that read time, it is spared.
    """
    present = model.objects.filter(company=company, is_deleted=False).exclude(
        **{f"{key}__startswith": LOCAL_ID_PREFIX}  # placeholders: not in the books yet
    )
    unseen = models.Q(modified_date__isnull=True)
    if cache_read_at is None:
        present = present.exclude(unseen)
    else:
        cutoff = cache_read_at - UNSEEN_MARGIN
        present = present.exclude(unseen & models.Q(synced_at__gt=cutoff))
    gone = [
        pk
        for pk, code in present.values_list("pk", key).iterator(chunk_size=5000)
        if code not in seen
    ]
    for start in range(0, len(gone), 5000):
        model.objects.filter(pk__in=gone[start : start + 5000]).update(is_deleted=True)
    if gone and model is Bill:
        bills_changed(company_id=company.pk)
    return len(gone)
