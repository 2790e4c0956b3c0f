"""Settings are read once per process, so production mode is exercised in a subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CODAT_API_KEY",
    "CODAT_WEBHOOK_SECRET",
    "ALLOWED_HOSTS",
    "APP_BASE_URL",
    "SANDBOX_ENABLED",
    "CODAT_BASE_URL",
    "CELERY_BROKER_URL",
)

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/billpay",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CODAT_API_KEY": "a-real-codat-key",
    "CODAT_WEBHOOK_SECRET": "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
    "ALLOWED_HOSTS": "billpay.example.com",
    "APP_BASE_URL": "https://billpay.example.com",
    "CODAT_BASE_URL": "https://api.codat.io",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in OURS}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CODAT_API_KEY", "CODAT_WEBHOOK_SECRET"]
)
def test_production_mode_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_mode_turns_the_sandbox_off():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SANDBOX_ENABLED)",
        env=PRODUCTION_ENV,
    )

    assert result.stdout.strip().splitlines()[-1] == "False"
