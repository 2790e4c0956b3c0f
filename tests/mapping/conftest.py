import pytest

from billpay.pushes.models import Push
from billpay.pushes.services import push_advance
from tests.conftest import sync_books


@pytest.fixture(autouse=True)
def _push_settings(settings):
    settings.PUSH_WEBHOOK_GRACE_SECONDS = 0
    settings.PUSH_STALE_CLAIM_SECONDS = 300


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
