"""Fault injection: errors, latency, 429 bursts and lost responses, from a seedable RNG."""

# Each decision draws from random.Random seeded with (SANDBOX_FAULT_SEED, company, n), where n
# is a per-company counter in Django's cache, so a test that clears the cache sees the same faults.

import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache

from billpay.sandbox import conf
from billpay.sandbox.models import SandboxCompany


@dataclass(frozen=True)
class FaultProfile:
    """Effective fault settings for one company (its admin fields, else the env defaults)."""

    error_rate: Decimal
    latency_ms: int
    rate_429: Decimal
    burst_429: int
    lost_response_rate: Decimal

    @property
    def active(self) -> bool:
        return bool(self.error_rate or self.latency_ms or self.rate_429 or self.lost_response_rate)


def profile_for(company: SandboxCompany | None) -> FaultProfile:
    """Merge a company's fault fields over the SANDBOX_FAULT_* settings."""

    def pick(field: str, setting: str, cast):
        value = getattr(company, field, None) if company else None
        return cast(value) if value is not None else cast(conf.get(setting))

    return FaultProfile(
        error_rate=pick("fault_error_rate", "SANDBOX_FAULT_ERROR_RATE", _dec),
        latency_ms=pick("fault_latency_ms", "SANDBOX_FAULT_LATENCY_MS", int),
        rate_429=pick("fault_429_rate", "SANDBOX_FAULT_429_RATE", _dec),
        burst_429=pick("fault_429_burst", "SANDBOX_FAULT_429_BURST", int),
        lost_response_rate=pick(
            "fault_lost_response_rate", "SANDBOX_FAULT_LOST_RESPONSE_RATE", _dec
        ),
    )


def _dec(value) -> Decimal:
    return Decimal(str(value))


def _rng(scope: str) -> random.Random:
    key = f"sandbox:fault:n:{scope}"
    cache.add(key, 0, None)
    n = cache.incr(key)
    return random.Random(f"{conf.get('SANDBOX_FAULT_SEED')}:{scope}:{n}")


def _roll(rng: random.Random, rate: Decimal) -> bool:
    # Compare in integer parts-per-million so no binary float touches the rate.
    return bool(rate) and rng.randrange(1_000_000) < int(rate * 1_000_000)


@dataclass(frozen=True)
class Decision:
    """What to do to this request before (status) and after (lost) running the view."""

    status: int | None = None  # 429, 500 or 503 instead of the real answer
    retry_after: int | None = None
    lost: bool = False  # run the view, then answer 502


def decide(company: SandboxCompany | None, *, is_write: bool) -> Decision:
    """Draw this request's faults; sleeps for the configured latency."""
    profile = profile_for(company)
    if not profile.active:
        return Decision()
    if profile.latency_ms:
        time.sleep(profile.latency_ms / 1000)
    scope = str(company.pk) if company else "global"
    burst_key = f"sandbox:fault:burst:{scope}"
    # One atomic decrement decides: a get-then-decr let two concurrent requests both take the
    # last 429 of a burst and drive the counter below zero, where it stayed "truthy" and turned
    # every request into a 429 until the key expired (the short chaos run's stuck payments).
    try:
        remaining = cache.decr(burst_key)
    except ValueError:  # no burst under way
        remaining = -1
    if remaining >= 0:
        return _counted(Decision(status=429, retry_after=1))
    rng = _rng(scope)
    if _roll(rng, profile.rate_429):
        cache.set(burst_key, max(profile.burst_429 - 1, 0), 300)
        return _counted(Decision(status=429, retry_after=1))
    if _roll(rng, profile.error_rate):
        return _counted(Decision(status=rng.choice((500, 503))))
    if is_write and _roll(rng, profile.lost_response_rate):
        return _counted(Decision(lost=True))
    return Decision()


INJECTED_KINDS = ("429", "500", "503", "lost")


def _counted(decision: Decision) -> Decision:
    """Count each injected fault by kind in the cache, for chaos runs to report."""
    key = f"sandbox:fault:injected:{'lost' if decision.lost else decision.status}"
    cache.add(key, 0, None)
    cache.incr(key)
    return decision


def injected() -> dict[str, int]:
    """How many faults of each kind were injected since the cache was last cleared."""
    keys = {f"sandbox:fault:injected:{kind}": kind for kind in INJECTED_KINDS}
    counts = cache.get_many(list(keys))
    return {kind: int(counts.get(key) or 0) for key, kind in keys.items()}


def reset(company: SandboxCompany | None = None) -> None:
    """Forget the RNG counter and any burst in progress (tests, and the admin)."""
    scope = str(company.pk) if company else "global"
    cache.delete_many([f"sandbox:fault:n:{scope}", f"sandbox:fault:burst:{scope}"])
