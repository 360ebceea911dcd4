"""The one backend interface, configured like Django's cache framework."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from search.documents import SearchDocument, SearchQuery, SearchResults


class SearchUnavailable(Exception):
    """The engine cannot answer now (down, unreachable, too slow); try again later."""


class IndexBusy(Exception):
    """Another rebuild of the same index is running."""


class BaseSearchBackend:
    """Engines implement these; optional features raise NotImplementedError."""

    def __init__(self, alias: str, params: dict) -> None:
        self.alias = alias
        self.params = params

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        """Insert or replace documents by key; returns how many were written."""
        raise NotImplementedError

    def delete(self, keys: Iterable[str]) -> int:
        """Remove documents by key; unknown keys are ignored."""
        raise NotImplementedError

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a parsed query: filters, facets, sort and one page of hits."""
        raise NotImplementedError

    def count_matches(self, query: SearchQuery) -> int:
        """How many documents match; override when the engine can count cheaper."""
        return self.search(replace(query, facets=[], page=1, page_size=1)).total

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles for type-ahead: title prefix, title words and pinyin initials."""
        raise NotImplementedError("this search backend has no suggestions")

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Index every document into a new index, then swap it in atomically."""
        raise NotImplementedError

    def count(self) -> int:
        """Number of documents in the live index."""
        raise NotImplementedError

    def clear(self) -> None:
        """Remove every document."""
        raise NotImplementedError

    def get(self, key: str) -> SearchDocument | None:
        """The stored document for a key, if indexed."""
        raise NotImplementedError("this search backend cannot fetch stored documents")

    def size_bytes(self) -> int | None:
        """Size of the index on disk, when the engine can tell."""
        return None

    def close(self) -> None:
        """Release connections; the next call reopens them."""

    def check(self) -> list[str]:
        """Problems an operator should know of (for system checks); empty if none."""
        return []


_local = threading.local()


def backend_settings() -> dict[str, dict]:
    """The PORTAL_SEARCH_BACKENDS setting."""
    return getattr(settings, "PORTAL_SEARCH_BACKENDS", {})


def create_backend(
    alias: str = "default", params: dict | None = None
) -> BaseSearchBackend:
    """A new backend instance for an alias (or explicit params)."""
    if params is None:
        try:
            params = backend_settings()[alias]
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"PORTAL_SEARCH_BACKENDS has no {alias!r}"
            ) from exc
    backend_cls = import_string(params["BACKEND"])
    return backend_cls(alias, params)


def get_backend(alias: str = "default") -> BaseSearchBackend:
    """The backend for an alias, one instance per thread (like django.core.cache)."""
    cache = getattr(_local, "backends", None)
    if cache is None:
        cache = _local.backends = {}
    key = (alias, repr(sorted(backend_settings().get(alias, {}).items())))
    backend = cache.get(key)
    if backend is None:
        backend = cache[key] = create_backend(alias)
    return backend


def reset_backends() -> None:
    """Close and forget this thread's backend instances (tests, settings changes)."""
    for backend in getattr(_local, "backends", {}).values():
        backend.close()
    _local.backends = {}
