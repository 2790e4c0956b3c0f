"""Session advisory locks: held on PostgreSQL (a second session waits or is told no), and on
SQLite (`make run`) nothing to take, so the work goes ahead instead of failing."""

import threading
from unittest import mock

import pytest
from django.db import connection, connections

from billpay.core.locks import session_lock

SPACE = 0x54455354  # "TEST"


def _other_session_gets(key: int) -> bool:
    got = []

    def other():
        try:
            with session_lock(SPACE, key, wait=False) as held:
                got.append(held)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    return got[0]


@pytest.mark.django_db(transaction=True)
def test_a_held_lock_is_refused_to_another_session_until_let_go():
    with session_lock(SPACE, 7) as held:
        assert held
        assert _other_session_gets(7) is False
        assert _other_session_gets(8) is True
    assert _other_session_gets(7) is True


def test_on_a_database_without_advisory_locks_the_work_goes_ahead():
    with (
        mock.patch.object(connection, "vendor", "sqlite"),
        mock.patch.object(connection, "cursor", side_effect=AssertionError("no SQL")),
    ):
        with session_lock(SPACE, 7, wait=False) as held:
            assert held
        with session_lock(SPACE, 7) as held:
            assert held
