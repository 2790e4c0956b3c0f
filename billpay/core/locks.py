"""PostgreSQL advisory locks held by the connection's session (not a transaction, so no
transaction stays open while the work under the lock calls out or stores files), let go at the
end, or by PostgreSQL if the process dies.

On another database (SQLite in `make run`, which runs one write transaction at a time by
itself) there is no such lock to take: the work goes ahead as if it were alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def session_lock(space: int, key: int, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock (space, key) for the block; yields whether it is held.

    `wait`: block until it is free (yields True); otherwise try once and yield False when
    another session holds it (the block should then do nothing).
    """
    if connection.vendor != "postgresql":
        yield True
        return
    take = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {take}(%s, %s)", [space, key])
        held = True if wait else bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [space, key])
