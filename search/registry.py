"""Content apps register sources here; search never imports a content app."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import QuerySet

from search.documents import SearchDocument


class SearchSource:
    """Override in a content app: one per indexable model.

    The defaults fit Wagtail pages (live and without view restrictions); non-page
    models override ``indexable`` and ``is_indexable``. ``to_document`` is always
    overridden.
    """

    type: str = ""
    label: str = ""
    model: type[models.Model]
    facet_labels: dict[str, str] = {}

    def indexable(self) -> QuerySet:
        """Live, public objects only; override to add select_related/prefetch."""
        manager = self.model._default_manager
        if _is_page_model(self.model):
            return manager.live().public()
        return manager.all()

    def is_indexable(self, obj: Any) -> bool:
        """The same rule as ``indexable`` for one object."""
        if _is_page_model(self.model):
            if not obj.live:
                return False
            return not obj.get_view_restrictions().exists()
        return True

    def to_document(self, obj: Any) -> SearchDocument:
        """Turn one object into a SearchDocument; always override."""
        raise NotImplementedError(f"{type(self).__name__} must implement to_document")

    def key_for(self, pk: Any) -> str:
        """The document key of the object with this primary key."""
        return f"{self.type}:{pk}"


def _is_page_model(model: type[models.Model]) -> bool:
    from wagtail.models import Page

    return issubclass(model, Page)


_sources: dict[str, SearchSource] = {}

S = TypeVar("S", bound=type[SearchSource])


def register(source_cls: S) -> S:
    """Register a source class (usable as a class decorator); re-registering replaces."""
    source = source_cls()
    if not source.type:
        raise ValueError(f"{source_cls.__name__} needs a non-empty type")
    _sources[source.type] = source
    return source_cls


def unregister(type_: str) -> None:
    """Forget the source of this type (tests use it)."""
    _sources.pop(type_, None)


def sources() -> list[SearchSource]:
    """All registered sources, in registration order."""
    return list(_sources.values())


def source_for_type(type_: str) -> SearchSource | None:
    """The source registered for this document type, if any."""
    return _sources.get(type_)


def source_for_model(model: type[models.Model]) -> SearchSource | None:
    """The source for this model or its nearest registered ancestor class."""
    for klass in getattr(model, "__mro__", ()):
        for source in _sources.values():
            if getattr(source, "model", None) is klass:
                return source
    return None


def type_labels() -> dict[str, str]:
    """Document type -> Chinese label, for facets and result badges."""
    return {s.type: s.label or s.type for s in _sources.values()}
