"""members.ratelimit on each home of its counters: the database and Redis.

The concurrency the limiter exists for is exercised against gunicorn in
test_login_limits_under_concurrency.py and tests/mailbox/test_limits_under_concurrency.py;
these tests pin down its rules one attempt at a time.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from members import ratelimit
from members.models import RateLimitCounter
from members.ratelimit import Limit
from tests.served import redis_url


@pytest.fixture(params=["database", "redis"])
def counters(request, db, settings):
    """The limiter's backend for this test: the test database or a clean Redis db."""
    if request.param == "redis":
        url = redis_url()
        if url is None:
            pytest.skip("no Redis server on 127.0.0.1:6379 (CI has one)")
        import redis

        redis.Redis.from_url(url).flushdb()
        settings.PORTAL_RATELIMIT_REDIS_URL = url
    else:
        settings.PORTAL_RATELIMIT_REDIS_URL = ""
    return request.param


def test_acquire_allows_exactly_the_limit(counters):
    limit = Limit("test", "203.0.113.1", 3, 60)
    assert [ratelimit.acquire(limit) for _ in range(5)] == [True] * 3 + [False] * 2
    assert ratelimit.attempts(limit) == 3
    other = Limit("test", "203.0.113.2", 3, 60)
    assert ratelimit.acquire(other)


def test_a_refused_attempt_takes_nothing_from_the_other_limits(counters):
    address = Limit("test-ip", "203.0.113.1", 10, 60)
    account = Limit("test-user", "zhangsan", 1, 60)
    assert ratelimit.acquire(address, account)
    assert not ratelimit.acquire(address, account)
    assert ratelimit.attempts(address) == 1
    assert ratelimit.attempts(account) == 1


def test_release_gives_an_attempt_back_and_reset_forgets_them(counters):
    limit = Limit("test", "x", 2, 60)
    assert ratelimit.acquire(limit) and ratelimit.acquire(limit)
    assert not ratelimit.acquire(limit)
    ratelimit.release(limit)
    assert ratelimit.acquire(limit)
    ratelimit.reset(limit)
    assert ratelimit.attempts(limit) == 0
    # Releasing more than was taken never goes below zero.
    ratelimit.release(limit)
    ratelimit.release(limit)
    assert ratelimit.attempts(limit) == 0
    assert ratelimit.acquire(limit) and ratelimit.acquire(limit)
    assert not ratelimit.acquire(limit)


def test_keys_are_digests_not_the_addresses_or_names(db, settings):
    settings.PORTAL_RATELIMIT_REDIS_URL = ""
    ratelimit.acquire(Limit("login-user", "zhangsan", 5, 60))
    ratelimit.acquire(Limit("login-ip", "203.0.113.77", 5, 60))
    keys = list(RateLimitCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("zhangsan" in k or "203.0.113.77" in k for k in keys)


def test_the_database_window_starts_again_once_it_has_passed(db, settings):
    settings.PORTAL_RATELIMIT_REDIS_URL = ""
    limit = Limit("test", "x", 1, 60)
    assert ratelimit.acquire(limit)
    assert not ratelimit.acquire(limit)
    RateLimitCounter.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ratelimit.attempts(limit) == 0
    assert ratelimit.acquire(limit)
    assert RateLimitCounter.objects.get().count == 1


def test_redis_counters_expire_with_their_window(settings):
    url = redis_url()
    if url is None:
        pytest.skip("no Redis server on 127.0.0.1:6379 (CI has one)")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    settings.PORTAL_RATELIMIT_REDIS_URL = url
    limit = Limit("test", "x", 5, 90)
    ratelimit.acquire(limit)
    ttl = client.ttl(ratelimit.RedisCounters.prefix + limit.key)
    assert 0 < ttl <= 90
    # A later attempt does not push the window back.
    client.expire(ratelimit.RedisCounters.prefix + limit.key, 30)
    ratelimit.acquire(limit)
    assert client.ttl(ratelimit.RedisCounters.prefix + limit.key) <= 30


def test_purge_deletes_only_finished_windows(db, settings):
    settings.PORTAL_RATELIMIT_REDIS_URL = ""
    ratelimit.acquire(Limit("test", "old", 5, 60))
    ratelimit.acquire(Limit("test", "new", 5, 60))
    RateLimitCounter.objects.filter(key=Limit("test", "old", 5, 60).key).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    call_command("purge_rate_limits")
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == [
        Limit("test", "new", 5, 60).key
    ]
