from unittest import mock

import pytest

from billpay.bills.models import SyncRun
from billpay.bills.services import SyncOutcome, bills_sync, sync_run_queue
from billpay.pushes.models import Push
from billpay.pushes.services import push_advance


@pytest.fixture(autouse=True)
def _push_settings(settings):
    settings.PUSH_WEBHOOK_GRACE_SECONDS = 0
    settings.PUSH_STALE_CLAIM_SECONDS = 300


@pytest.fixture
def enqueued():
    """Every task sent to the broker (nothing is sent), as (task name, kwargs)."""
    calls = []

    def record(self, args=None, kwargs=None, **options):
        calls.append((self.name.rsplit(".", 1)[-1], kwargs or {}))

    with mock.patch("celery.app.task.Task.apply_async", autospec=True, side_effect=record):
        yield calls


def sync_books(company) -> None:
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.MANUAL)
    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE


@pytest.fixture
def synced(linked_company, enqueued):
    sync_books(linked_company)
    return linked_company


def drive(push: Push, *, steps: int = 12) -> Push:
    """Advance a push the way its tasks would (every follow-up at once) until it settles."""
    for _ in range(steps):
        push.refresh_from_db()
        if push.is_final:
            break
        push_advance(push_id=push.pk)
    push.refresh_from_db()
    return push
