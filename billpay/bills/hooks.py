"""Bills' answers to what happens below it: registered in BillsConfig.ready().

Onboarding receives Codat's webhooks and records links, mapping draws the payment-account grid;
neither may import bills (tests/core/test_architecture.py), so bills registers these with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.dateparse import parse_datetime

from billpay.bills.models import SyncRun
from billpay.bills.services.sync import DATA_TYPE_BY_KEY
from billpay.bills.tasks import sync_start

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, WebhookEvent


def sync_on_link(*, company: Company) -> None:
    """A company's books were just linked: read them (the first sync)."""
    sync_start(company=company, trigger=SyncRun.Trigger.LINK)


def sync_on_read_completed(*, event: WebhookEvent) -> None:
    """Webhook `read.completed` / `read.completed.initial`: sync the data types Codat re-read.

    A type Codat says it read without changes (`recordsModified: false`) is left alone; Codat's
    `modifiedFromDate` lowers the incremental bound.
    """
    body = event.payload["payload"]
    changed = [
        DATA_TYPE_BY_KEY[t["dataType"]]
        for t in body["dataTypes"]
        if t["dataType"] in DATA_TYPE_BY_KEY and t.get("recordsModified", True) is not False
    ]
    if not changed:
        return
    modified_from = parse_datetime(body.get("modifiedFromDate") or "")
    sync_start(
        company=event.company,
        trigger=SyncRun.Trigger.WEBHOOK,
        data_types=changed,
        modified_from=modified_from if modified_from and modified_from.tzinfo else None,
    )


def sync_accounts(*, company: Company) -> None:
    """Mapping created an account in the books: mirror the books' own copy of the accounts."""
    sync_start(company=company, trigger=SyncRun.Trigger.WEBHOOK, data_types=["accounts"])
