"""Background index maintenance; safe to run twice."""

from __future__ import annotations

from django_tasks import task

from search import indexing


@task(queue_name="search")
def update_search_document(model_label: str, pk: str) -> str:
    """Upsert the object's document, or delete it if it is no longer indexable."""
    return indexing.update_object(model_label, pk)


@task(queue_name="search")
def delete_search_document(key: str) -> None:
    """Remove a document from the index by key."""
    indexing.delete_key(key)
