"""The app's settings, served with one more URL: the load benchmark's list floor (floor.py)."""

from billpay.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
