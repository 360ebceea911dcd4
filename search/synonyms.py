"""The synonym map applied at query time, cached until a Synonym changes."""

from __future__ import annotations

from django.core.cache import cache

from search.analysis import normalize

CACHE_KEY = "search:synonyms:v1"
CACHE_SECONDS = 600


def build_synonym_map() -> dict[str, list[str]]:
    """normalised term → every other way of writing it, from enabled Synonym rows."""
    from search.models import Synonym

    mapping: dict[str, list[str]] = {}
    for synonym in Synonym.objects.filter(enabled=True):
        group = list(dict.fromkeys([synonym.term.strip(), *synonym.alternative_list()]))
        for member in group:
            key = normalize(member)
            others = mapping.setdefault(key, [])
            others.extend(m for m in group if m != member and m not in others)
    return mapping


def synonym_map() -> dict[str, list[str]]:
    """The cached synonym map."""
    mapping = cache.get(CACHE_KEY)
    if mapping is None:
        mapping = build_synonym_map()
        cache.set(CACHE_KEY, mapping, CACHE_SECONDS)
    return mapping


def invalidate() -> None:
    """Forget the cached map (after a Synonym is saved or deleted)."""
    cache.delete(CACHE_KEY)
