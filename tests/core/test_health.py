import pytest

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_cache(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "ok"


def test_health_reports_the_worker_heartbeat_age(client):
    from billpay.core.tasks import worker_heartbeat_task

    worker_heartbeat_task.apply()

    assert int(client.get("/health/").json()["worker_last_seen_s"]) < 5


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")

    assert (response.status_code, response.content) == (200, b"ok")
