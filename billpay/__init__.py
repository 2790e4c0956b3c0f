# Expose the Celery app so `celery -A billpay` finds it and shared_task binds to it.
from billpay.celery import app as celery_app

__all__ = ("celery_app",)
