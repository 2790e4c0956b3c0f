"""A favicon, a quiet sandbox clock, and the README's createsuperuser line working as written."""

import logging
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

import billpay.celery  # noqa: F401  (installs the clock's log filter)
from billpay.core.logs import CELERY_TASK_LOGGERS, TaskAtDebug
from billpay.onboarding.models import User

ROOT = Path(__file__).resolve().parents[2]
TICK = "billpay.sandbox.tasks.sandbox_tick_task"


@pytest.mark.django_db
def test_every_page_names_the_favicon(client):
    text = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text
    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"


def _record(logger: str, message: str, *args) -> logging.LogRecord:
    return logging.getLogger(logger).makeRecord(
        logger, logging.INFO, __file__, 1, message, args, None
    )


def test_the_sandbox_clock_is_logged_at_debug():
    quiet = TaskAtDebug(TICK)
    record = _record("celery.beat", "Scheduler: Sending due task %s (%s)", "sandbox-tick", TICK)
    logging.getLogger("celery.beat").setLevel(logging.INFO)
    try:
        assert quiet.filter(record) is False  # dropped at INFO
        assert record.levelno == logging.DEBUG and record.levelname == "DEBUG"
        logging.getLogger("celery.beat").setLevel(logging.DEBUG)
        assert quiet.filter(_record("celery.beat", "Sending %s", TICK)) is True
    finally:
        logging.getLogger("celery.beat").setLevel(logging.NOTSET)


def test_other_tasks_keep_their_level():
    record = _record("celery.app.trace", "Task %s succeeded", "billpay.bills.tasks.bills_sync_task")
    assert TaskAtDebug(TICK).filter(record) is True
    assert record.levelno == logging.INFO


def test_the_celery_app_quiets_the_clock_on_every_task_logger():
    for name in CELERY_TASK_LOGGERS:
        filters = [f for f in logging.getLogger(name).filters if isinstance(f, TaskAtDebug)]
        assert len(filters) == 1 and TICK in filters[0].task_names


def _readme_commands(name: str) -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    found = re.findall(
        r"(?:`|^)((?:\.venv/bin/)?python manage\.py " + name + r"[^`\n]*)", text, re.M
    )
    return [shlex.split(command) for command in found]


@pytest.mark.django_db
def test_the_readmes_createsuperuser_lines_work_as_written(monkeypatch):
    commands = _readme_commands("createsuperuser")
    assert len(commands) >= 2
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-Long-pass-123")
    for argv in commands:
        args = argv[3:]
        email = args[args.index("--email") + 1]
        # As written, plus only what the prompt would ask: the password (from the environment).
        call_command("createsuperuser", *args, interactive=False, verbosity=0)
        browser = Client()
        response = browser.post(
            "/admin/login/?next=/admin/", {"username": email, "password": "a-Long-pass-123"}
        )
        assert response.status_code == 302 and response["Location"] == "/admin/", email
        assert browser.get("/admin/").status_code == 200
        User.objects.filter(email=email).delete()  # the next line may use the same address
