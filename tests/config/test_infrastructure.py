"""The parts the settings wire together work for real: task queue, Redis cache."""

import os
import socket

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from .tasks_for_tests import remember

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("CI"):
            raise
        return None
    return url


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_task_queue_runs_jobs_in_the_worker():
    with override_settings(TASKS=DB_TASKS):
        result = remember.enqueue("infra-test", "已执行")
        assert result.status == "READY"
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
        )
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == "已执行"


def test_redis_cache_backend_round_trip():
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis server on 127.0.0.1:6379 (CI has one)")
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "config.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "portal-test",
            }
        }
    ):
        cache = caches["default"]
        assert type(cache).__name__ == "RedisCache"
        cache.set("greeting", "你好", 30)
        assert cache.get("greeting") == "你好"
        cache.set("hits", 1, 30)
        assert cache.incr("hits", 5) == 6
        cache.delete_many(["greeting", "hits"])
        assert cache.get("greeting") is None
        # One redis.Redis per pool, not one per call as Django's own client makes.
        reads, writes = cache._cache.get_client(), cache._cache.get_client(write=True)
        assert reads is cache._cache.get_client() and writes is reads
