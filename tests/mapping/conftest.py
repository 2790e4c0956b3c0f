import pytest

from tests.payments.conftest import _payment_settings, enqueued, sync_books  # noqa: F401


@pytest.fixture
def synced(linked_company, enqueued):  # noqa: F811
    sync_books(linked_company)
    return linked_company
