"""The Celery app: built from the CELERY_* settings, tasks autodiscovered from the apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billpay.settings")

app = Celery("billpay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
