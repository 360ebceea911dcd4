"""Search engines behind one interface; see base.py."""

from search.backends.base import (
    BaseSearchBackend,
    IndexBusy,
    SearchUnavailable,
    get_backend,
    reset_backends,
)

__all__ = [
    "BaseSearchBackend",
    "IndexBusy",
    "SearchUnavailable",
    "get_backend",
    "reset_backends",
]
