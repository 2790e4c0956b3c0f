import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """The overview's bills snapshot is cached per company id and bills revision, and ids repeat
    across rolled-back tests: every test starts (and leaves) with nothing cached."""
    cache.clear()
    yield
    cache.clear()
