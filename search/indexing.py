"""Public entry points for keeping the index in step with content."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from search import registry
from search.backends import get_backend
from search.documents import SearchDocument

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def schedule_update(obj: models.Model) -> None:
    """On commit, enqueue a task that upserts the object (or deletes it if hidden)."""
    source = registry.source_for_model(type(obj))
    if source is None or obj.pk is None:
        return
    from search.tasks import update_search_document

    label, pk = _label(source.model), str(obj.pk)
    transaction.on_commit(lambda: update_search_document.enqueue(label, pk))


def schedule_delete(model: type[models.Model], pk: Any) -> None:
    """On commit, enqueue a task that removes the object's document."""
    source = registry.source_for_model(model)
    if source is None or pk is None:
        return
    from search.tasks import delete_search_document

    key = source.key_for(pk)
    transaction.on_commit(lambda: delete_search_document.enqueue(key))


def _specific(obj: Any) -> Any:
    return getattr(obj, "specific", obj)


def to_document(source: registry.SearchSource, obj: models.Model) -> SearchDocument:
    """The object's document, its text capped at PORTAL_SEARCH_MAX_BODY_CHARS.

    The policy: titles and metadata are always indexed in full; of the text, the
    first PORTAL_SEARCH_MAX_BODY_CHARS characters are searchable. This bounds one
    document's size in every engine (an attachment can extract to tens of MB).
    """
    doc = source.to_document(obj)
    limit = getattr(settings, "PORTAL_SEARCH_MAX_BODY_CHARS", 0)
    if limit and len(doc.body) > limit:
        doc.body = doc.body[:limit]
    return doc


def index_objects(objs: Iterable[models.Model], *, alias: str = "default") -> int:
    """Synchronously upsert indexable objects and delete hidden ones; returns upserts."""
    backend = get_backend(alias)
    upserted = 0
    docs: list[SearchDocument] = []
    gone: list[str] = []
    for obj in objs:
        obj = _specific(obj)
        source = registry.source_for_model(type(obj))
        if source is None:
            continue
        if source.is_indexable(obj):
            docs.append(to_document(source, obj))
        else:
            gone.append(source.key_for(obj.pk))
        if len(docs) >= BATCH_SIZE:
            upserted += backend.upsert(docs) or len(docs)
            docs = []
    if docs:
        upserted += backend.upsert(docs) or len(docs)
    if gone:
        backend.delete(gone)
    return upserted


def update_object(model_label: str, pk: str, *, alias: str = "default") -> str:
    """Upsert or delete one object's document; returns "upserted" or "deleted"."""
    model = apps.get_model(model_label)
    source = registry.source_for_model(model)
    if source is None:
        return "ignored"
    obj = model._default_manager.filter(pk=pk).first()
    backend = get_backend(alias)
    if obj is not None:
        obj = _specific(obj)
    if obj is not None and source.is_indexable(obj):
        backend.upsert([to_document(source, obj)])
        return "upserted"
    backend.delete([source.key_for(pk)])
    return "deleted"


def delete_key(key: str, *, alias: str = "default") -> None:
    """Remove one document by key."""
    get_backend(alias).delete([key])


def iter_all_documents(types: Iterable[str] | None = None) -> Iterator[SearchDocument]:
    """Every indexable document of every (or the given) registered source."""
    wanted = set(types or [])
    for source in registry.sources():
        if wanted and source.type not in wanted:
            continue
        for obj in source.indexable().iterator(chunk_size=500):
            obj = _specific(obj)
            if source.is_indexable(obj):
                yield to_document(source, obj)


def count_indexable() -> int:
    """How many objects the registered sources would index (for progress bars)."""
    return sum(source.indexable().count() for source in registry.sources())


def rebuild(
    *, alias: str = "default", progress: Callable[[int], None] | None = None
) -> int:
    """Build a fresh index from all sources and swap it in; returns documents indexed."""

    def counted() -> Iterator[SearchDocument]:
        for doc in iter_all_documents():
            yield doc
            if progress:
                progress(1)

    return get_backend(alias).rebuild(counted())


def record_failure(
    key: str, error: BaseException, *, model_label: str = "", pk: str = ""
) -> None:
    """Remember an update the engine refused, for repair_pending() to retry."""
    from django.db.models import F

    from search.models import PendingIndexUpdate

    logger.warning("search index update of %s deferred: %s", key, error)
    updated = PendingIndexUpdate.objects.filter(key=key).update(
        attempts=F("attempts") + 1,
        last_error=str(error)[:2000],
        model_label=model_label,
        object_pk=pk,
    )
    if not updated:
        PendingIndexUpdate.objects.get_or_create(
            key=key,
            defaults={
                "model_label": model_label,
                "object_pk": pk,
                "last_error": str(error)[:2000],
            },
        )


def key_for(model_label: str, pk: str) -> str | None:
    """The document key of a model's object, if the model has a source."""
    source = registry.source_for_model(apps.get_model(model_label))
    return source.key_for(pk) if source else None


def repair_pending(*, limit: int = 1000, alias: str = "default") -> tuple[int, int]:
    """Retry deferred updates, oldest first; returns (done, still failing).

    Each retry reads the object as it is now, so an update deferred several times
    is applied once, in its latest state.
    """
    from search.models import PendingIndexUpdate

    done = failed = 0
    for pending in PendingIndexUpdate.objects.all()[:limit]:
        try:
            if pending.model_label:
                update_object(pending.model_label, pending.object_pk, alias=alias)
            else:
                delete_key(pending.key, alias=alias)
        except Exception as exc:
            record_failure(
                pending.key, exc, model_label=pending.model_label, pk=pending.object_pk
            )
            failed += 1
            continue
        PendingIndexUpdate.objects.filter(
            pk=pending.pk, updated_at=pending.updated_at
        ).delete()
        done += 1
    return done, failed
