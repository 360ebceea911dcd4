"""Search engines behind one interface; see base.py."""

from search.backends.base import BaseSearchBackend, get_backend, reset_backends

__all__ = ["BaseSearchBackend", "get_backend", "reset_backends"]
