"""Background index maintenance; safe to run twice."""

from __future__ import annotations

from django_tasks import task

from search import indexing


@task(queue_name="search")
def update_search_document(model_label: str, pk: str) -> str:
    """Upsert the object's document, or delete it if it is no longer indexable.

    When the engine fails, the update is recorded and retried by the periodic
    repair_search_index job; the edit that asked for it is never affected.
    """
    try:
        return indexing.update_object(model_label, pk)
    except Exception as exc:
        key = indexing.key_for(model_label, pk) or f"{model_label}:{pk}"
        indexing.record_failure(key, exc, model_label=model_label, pk=pk)
        return "deferred"


@task(queue_name="search")
def delete_search_document(key: str) -> str:
    """Remove a document from the index by key (deferred like updates on failure)."""
    try:
        indexing.delete_key(key)
    except Exception as exc:
        indexing.record_failure(key, exc)
        return "deferred"
    return "deleted"
