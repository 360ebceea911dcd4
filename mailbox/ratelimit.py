"""Fixed-window counters in Django's cache, shared by every web process."""

from django.core.cache import cache


def count(key: str) -> int:
    """Hits recorded in the key's current window."""
    return cache.get(f"mailbox-rl:{key}", 0)


def hit(key: str, window: int) -> int:
    """Record one hit; returns the count in the current window."""
    full_key = f"mailbox-rl:{key}"
    if cache.add(full_key, 1, timeout=window):
        return 1
    try:
        return cache.incr(full_key)
    except ValueError:
        cache.add(full_key, 1, timeout=window)
        return 1


def exceeded(key: str, limit: int) -> bool:
    """Whether the key has used up its allowance."""
    return count(key) >= limit


def reset(key: str) -> None:
    cache.delete(f"mailbox-rl:{key}")
