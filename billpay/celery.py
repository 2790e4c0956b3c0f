"""The Celery app: built from the CELERY_* settings, tasks autodiscovered from the apps."""

import os

from celery import Celery

from billpay.core.logs import quiet_tasks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billpay.settings")

app = Celery("billpay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The sandbox's 2-second clock logs at DEBUG: `make run`'s output shows what matters.
quiet_tasks("billpay.sandbox.tasks.sandbox_tick_task")
