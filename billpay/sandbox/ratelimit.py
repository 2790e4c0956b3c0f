"""Codat-style quotas: a daily quota and a per-minute cap, counted in Django's cache."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.cache import cache

from billpay.sandbox import clock, conf
from billpay.sandbox.jsonutil import iso


@dataclass(frozen=True)
class Quota:
    """The outcome of counting one request."""

    limit: int
    remaining: int
    reset: datetime
    retry_after: int | None  # seconds, when the request is refused
    just_exhausted: bool = False  # this request used up the daily quota

    def headers(self) -> dict[str, str]:
        """The X-Rate-Limit-* headers Codat sends on every response."""
        headers = {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": iso(self.reset),
        }
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def _count(key: str, ttl: int) -> int:
    # add() then incr() is atomic on Redis and good enough on the file cache.
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:
        cache.set(key, 1, ttl)
        return 1


def hit(identity: str) -> Quota:
    """Count a request for `identity` (a hashed API key or an address) against both quotas."""
    now = clock.now()
    per_day = int(conf.get("SANDBOX_RATE_LIMIT_PER_DAY"))
    per_minute = int(conf.get("SANDBOX_RATE_LIMIT_PER_MINUTE"))
    day_reset = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)
    minute = now.replace(second=0, microsecond=0)
    used_day = _count(f"sandbox:rl:day:{identity}:{now.date().isoformat()}", 90000)
    used_minute = _count(f"sandbox:rl:min:{identity}:{minute.isoformat()}", 120)
    remaining = max(per_day - used_day, 0)
    retry_after = None
    if used_day > per_day:
        retry_after = max(int((day_reset - now).total_seconds()), 1)
    elif used_minute > per_minute:
        retry_after = max(60 - now.second, 1)
    return Quota(
        limit=per_day,
        remaining=remaining,
        reset=day_reset,
        retry_after=retry_after,
        just_exhausted=used_day == per_day + 1,
    )
