import pytest

from billpay.sandbox import store
from billpay.sandbox.models import SandboxDataset
from billpay.sandbox.seeding import seed_company
from billpay.sandbox.tasks import sandbox_tick_task

pytestmark = pytest.mark.django_db


def test_the_tick_finishes_due_reads_without_any_request(settings):
    settings.SANDBOX_SYNC_DELAY_SECONDS = 0
    settings.SANDBOX_WEBHOOK_URL = ""
    seeded = seed_company(name="Tick Ltd", bills=5)
    dataset = store.queue_dataset(seeded.company, seeded.connection, "bills")

    assert sandbox_tick_task.apply().get() == 1

    dataset.refresh_from_db()
    assert dataset.status == SandboxDataset.Status.COMPLETE


def test_the_tick_leaves_idle_companies_alone(settings):
    seed_company(name="Idle Ltd", bills=5)

    assert sandbox_tick_task.apply().get() == 0
