"""A task module for the infrastructure tests (tasks must live at module level)."""

from django.core.cache import cache
from django_tasks import task


@task()
def remember(key: str, value: str) -> str:
    """Store a value in the cache so the test can see the worker ran the task."""
    cache.set(key, value)
    return value
