"""System checks: the configured search engine's index matches the code."""

from __future__ import annotations

from django.core import checks

from search.backends.base import backend_settings, create_backend


@checks.register("search")
def check_search_indices(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A warning per problem an engine reports (old mapping, missing index)."""
    messages = []
    for alias in backend_settings():
        backend = create_backend(alias)
        try:
            problems = backend.check()
        finally:
            backend.close()
        messages += [
            checks.Warning(
                problem, id="search.W001", obj=f"PORTAL_SEARCH_BACKENDS[{alias!r}]"
            )
            for problem in problems
        ]
    return messages
