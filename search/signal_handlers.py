"""Keep the index in step with content: publish, unpublish, delete, move, privacy."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from search import indexing, registry


def _is_page(instance) -> bool:
    from wagtail.models import Page

    return isinstance(instance, Page)


def on_page_published(sender, instance, **kwargs) -> None:
    """Index the page that was just published."""
    indexing.schedule_update(instance)


def on_page_unpublished(sender, instance, **kwargs) -> None:
    """Remove the page from the index (the task sees it is no longer live)."""
    indexing.schedule_update(instance)


def on_post_save(sender, instance, **kwargs) -> None:
    """Non-page models of a registered source are indexed on every save."""
    if _is_page(instance) or registry.source_for_model(sender) is None:
        return
    indexing.schedule_update(instance)


def on_post_delete(sender, instance, **kwargs) -> None:
    """Remove a deleted object's document."""
    if registry.source_for_model(sender) is not None:
        indexing.schedule_delete(sender, instance.pk)


def _refresh_subtree(page) -> None:
    if page is None:
        return
    for descendant in page.get_descendants(inclusive=True).specific().iterator():
        indexing.schedule_update(descendant)


def on_view_restriction_changed(sender, instance, **kwargs) -> None:
    """Privacy changed: re-check every page under the restricted one."""
    try:
        page = instance.page
    except Exception:
        return
    _refresh_subtree(page)


def on_page_moved(sender, instance, **kwargs) -> None:
    """URLs (and inherited privacy) change for the moved subtree."""
    _refresh_subtree(instance)


def on_synonym_changed(sender, instance, **kwargs) -> None:
    """Drop the cached synonym map."""
    from search.synonyms import invalidate

    invalidate()


def register_signal_handlers() -> None:
    """Connect the handlers (called from SearchConfig.ready)."""
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from search.models import Synonym

    page_published.connect(on_page_published, dispatch_uid="search_page_published")
    page_unpublished.connect(
        on_page_unpublished, dispatch_uid="search_page_unpublished"
    )
    post_page_move.connect(on_page_moved, dispatch_uid="search_page_moved")
    post_save.connect(on_post_save, dispatch_uid="search_post_save")
    post_delete.connect(on_post_delete, dispatch_uid="search_post_delete")
    for signal in (post_save, post_delete):
        signal.connect(
            on_view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"search_view_restriction_{signal is post_save}",
        )
        signal.connect(
            on_synonym_changed,
            sender=Synonym,
            dispatch_uid=f"search_synonym_{signal is post_save}",
        )
