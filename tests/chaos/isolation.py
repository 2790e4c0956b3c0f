"""One chaos run at a time per database and per Redis database, and no other worker on its Redis.

The scenario flushes its PostgreSQL database and its Redis database (broker and cache) and runs
a Celery worker on that Redis: a second run sharing either one (another checkout's `make test`,
a `make chaos` next to it, both defaulting to Redis database 11) flushed the first one's queue,
and the two workers took each other's tasks, whose ids meant other payments in their own
databases: payments left unfinished, none duplicated (13 of 30 in a run that shared Redis
database 11 with another). A worker left behind by an interrupted run does the same to every
later run, for ever.

`claim` therefore takes, before anything is flushed, two PostgreSQL advisory locks (on the
server's `postgres` database, one for the chaos database and one for the Redis database) and
holds them until this process exits; a run that finds them taken waits for it. It then refuses
to start while another client consumes from the Redis database (a blocking pop, as a Celery
worker's BRPOP on its queue). Workers started with `die_with_parent` are SIGKILLed when the
scenario process dies, however it dies.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import zlib
from contextlib import suppress
from urllib.parse import urlsplit

LOCK_SPACE = 0x43484153  # "CHAS": the first key of the chaos run's advisory locks
WAIT_SECONDS = float(os.environ.get("CHAOS_CLAIM_WAIT_SECONDS", "900"))
STRANGER_GRACE_SECONDS = 10.0  # a run that just ended may still be closing its connections
BLOCKING_POPS = frozenset({"brpop", "blpop", "brpoplpush", "blmove", "blmpop"})
PR_SET_PDEATHSIG = 1  # linux/prctl.h

_held: list = []  # the connection holding the locks, open until the process exits


class ClaimError(RuntimeError):
    """The chaos databases are not ours alone."""


def _where(url: str) -> str:
    """host:port/database of a URL, without credentials (the lock's name and the messages')."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}{parts.path}"


def _key(name: str) -> int:
    return zlib.crc32(name.encode()) - 2**31  # a signed 32-bit key


def claim(db_url: str, redis_url: str) -> None:
    """Hold the chaos database and Redis database for this process (waits for another run)."""
    import psycopg

    conn = psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True)
    _held.append(conn)
    for what in (f"database {_where(db_url)}", f"redis {_where(redis_url)}"):
        deadline = time.monotonic() + WAIT_SECONDS
        said = False
        while not conn.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [LOCK_SPACE, _key(what)]
        ).fetchone()[0]:
            if time.monotonic() > deadline:
                raise ClaimError(f"another chaos run kept {what} for {WAIT_SECONDS:.0f} s")
            if not said:
                print(f"chaos: waiting for another chaos run to finish with {what}", flush=True)
                said = True
            time.sleep(1)
    _refuse_strangers(redis_url)


def _refuse_strangers(redis_url: str) -> None:
    """Raise ClaimError while another client consumes from the chaos Redis database."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        number = client.connection_pool.connection_kwargs.get("db", 0)
        deadline = time.monotonic() + STRANGER_GRACE_SECONDS
        while True:
            me = client.client_id()
            strangers = [
                c
                for c in client.client_list()
                if int(c.get("db", -1)) == number
                and int(c["id"]) != me
                and c.get("cmd", "").split("|")[0] in BLOCKING_POPS
            ]
            if not strangers or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        client.close()
    if strangers:
        seen = ", ".join(
            f"{c['addr']} (last command {c.get('cmd', '?')}, connected {c.get('age', '?')} s)"
            for c in strangers[:5]
        )
        raise ClaimError(
            f"{len(strangers)} other client(s) consume from redis {_where(redis_url)}: {seen}. "
            "A Celery worker left by an interrupted chaos run would take this run's tasks: "
            "stop it, or set CHAOS_REDIS_URL to a database nothing uses."
        )


def die_with_parent() -> None:
    """In a child (Popen's preexec_fn): SIGKILL when the scenario process dies."""
    if sys.platform.startswith("linux"):
        with suppress(Exception):
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
