"""The sandbox's notion of now, in one place so tests can move time forward."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current aware UTC time (tests monkeypatch this)."""
    return timezone.now()
