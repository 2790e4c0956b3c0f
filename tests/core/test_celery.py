from django.conf import settings
from django.core.cache import cache

from billpay.celery import app
from billpay.core.tasks import HEARTBEAT_CACHE_KEY, worker_heartbeat_task


def test_celery_settings_follow_the_reliability_rules():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > conf.task_time_limit
    assert visibility > settings.CELERY_RETRY_BACKOFF_MAX


def test_a_task_round_trips_through_the_real_redis_broker():
    from celery.contrib.testing.worker import start_worker

    assert app.conf.broker_url.startswith("redis://"), "make test runs against Redis"
    cache.delete(HEARTBEAT_CACHE_KEY)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        worker_heartbeat_task.delay()
        for _ in range(100):
            if cache.get(HEARTBEAT_CACHE_KEY):
                break
            import time

            time.sleep(0.1)

    assert cache.get(HEARTBEAT_CACHE_KEY)


def test_beat_schedule_is_in_settings_and_names_real_tasks():
    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
