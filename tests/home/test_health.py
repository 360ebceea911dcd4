"""/healthz: what a load balancer and monitoring read, fast and without details."""

import datetime
import time

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_healthy_node_answers_ok_without_a_session(client):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 1
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "tasks": "ok", "search": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_jobs_waiting_too_long_degrade_but_keep_the_node_in(client):
    from django_tasks_db.models import DBTaskResult

    job = DBTaskResult.objects.create(
        args_kwargs={"args": ["news:1"], "kwargs": {}},
        task_path="search.tasks.delete_search_document",
        queue_name="search",
        backend_name="default",
        run_after=timezone.now(),
    )
    DBTaskResult.objects.filter(pk=job.pk).update(
        enqueued_at=timezone.now() - datetime.timedelta(hours=1)
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["tasks"] == "degraded"


def test_an_unavailable_search_engine_degrades_the_node(client, settings):
    from search.backends import reset_backends

    settings.PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": "/proc/no-such-dir/index.sqlite3",
        }
    }
    reset_backends()
    try:
        response = client.get("/healthz")
    finally:
        reset_backends()
    assert response.status_code == 200
    assert response.json()["checks"]["search"] == "degraded"
    assert "/proc" not in response.content.decode()


def test_a_broken_cache_takes_the_node_out(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": "ok", "cache": "fail", "tasks": "ok", "search": "ok"},
    }
