"""The Redis cache backend with one client object per connection pool.

Django's RedisCacheClient builds a new redis.Redis for every cache call (its
constructor fills a table of about 170 reply callbacks), which was a fifth of the
CPU a buffered study heartbeat costs (bench/school_heartbeats.py). A redis.Redis is
safe to share between threads once made: it takes a connection from its pool per
command. Settings name this backend whenever REDIS_URL is set.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
