import json
import random
from pathlib import Path

import pytest
import responses

from billpay.codat import CodatClient
from tests.codat.payloads import API_KEY, BASE_URL, FakeClock

SPEC_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "codat"


@pytest.fixture(scope="session")
def spec():
    with open(SPEC_DIR / "Codat-Sync-Payables-v1.json", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def codat(clock):
    """A client on a fake clock: retries "sleep" instantly and are recorded in clock.sleeps."""
    client = CodatClient(
        BASE_URL,
        API_KEY,
        max_retries=4,
        max_retry_seconds=60.0,
        sleep=clock.sleep,
        clock=clock,
        rng=random.Random(7),
    )
    yield client
    client.close()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps
