"""Codat's first read of a newly linked company: which data types are there to read yet.

Codat's first read covers only the data types configured as "fetch on first link": a type
missing from `dataStatus` is queued once (`data/queue`) and waited for; an error status ends the
wait with words for the owner and Codat's status for staff; a type the platform does not support
is skipped if optional.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext_noop

from billpay.bills.models import SyncRun
from billpay.bills.services.sync.common import (
    DATA_TYPE_BY_KEY,
    DATASET_KEYS,
    OPTIONAL_TYPES,
    READ_ERROR_STATUSES,
    READ_ERRORS,
    READ_FAILED,
    TYPE_NAMES,
    SyncFailed,
    aware,
)
from billpay.codat.errors import CodatConflictError, CodatNotFoundError, CodatOutcomeUnknownError
from billpay.core.words import phrase
from billpay.onboarding.models import Company

if TYPE_CHECKING:
    from billpay.codat import CodatClient
    from billpay.onboarding.models import AccountingConnection


def first_read_check(
    client: CodatClient,
    run: SyncRun,
    company: Company,
    connection: AccountingConnection,
    data_types: list[str],
) -> tuple[bool, set[str]]:
    """Whether Codat has read these types at least once, and which the platform lacks.

    A type missing from dataStatus was not part of Codat's first read: it is queued once per
    run. **Raises:** SyncFailed when a read ended in an error status and never succeeded.
    """
    statuses = client.get_data_status(company_id=company.codat_company_id)
    ready, unsupported = True, set()
    for data_type in data_types:
        key = DATASET_KEYS[data_type]
        status = statuses.get(key)
        current = status.current_status if status else None
        if status is not None and (current == "Complete" or status.last_successful_sync):
            continue  # read at least once: the data is there to read
        if current is None:
            if key not in run.queued_types:
                if not _queue_read(client, company, run, key):
                    unsupported.add(data_type)
                    continue
                run.queued_types.append(key)
            ready = False
        elif current == "NotSupported" and data_type in OPTIONAL_TYPES:
            unsupported.add(data_type)
        elif current in READ_ERROR_STATUSES:
            template = READ_ERRORS.get(current, READ_FAILED)
            raise SyncFailed(
                phrase(
                    template,
                    platform=connection.platform_name
                    or phrase(gettext_noop("Your accounting software")),
                    what=phrase(TYPE_NAMES[data_type]),
                ),
                detail=f"Codat dataStatus {key}: {current}",
            )
        else:  # still reading, or a status newer than this code: wait (the wait is bounded)
            ready = False
    return ready, unsupported


def _queue_read(client: CodatClient, company: Company, run: SyncRun, key: str) -> bool:
    """Ask Codat to read one data type; False if the platform does not have it."""
    try:
        client.refresh_data_type(
            company_id=company.codat_company_id,
            data_type=key,
            idempotency_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"billpay:sync:{run.pk}:{key}")),
        )
    except CodatConflictError:
        pass  # already being read: wait for it like for a queued one
    except CodatOutcomeUnknownError:
        pass  # it may have been queued; dataStatus will tell, and the wait is bounded
    except CodatNotFoundError:
        if DATA_TYPE_BY_KEY[key] in OPTIONAL_TYPES:
            return False
        raise
    return True


def cache_read_times(client: CodatClient, company: Company) -> dict[str, datetime]:
    """When Codat's cache last read each of our data types (for a full resync's deletions)."""
    statuses = client.get_data_status(company_id=company.codat_company_id)
    times = {}
    for data_type, key in DATASET_KEYS.items():
        status = statuses.get(key)
        if status is not None and status.last_successful_sync is not None:
            times[data_type] = aware(status.last_successful_sync)
    return times
