"""Purge the anonymous page cache whenever what readers see may have changed: pages
published, unpublished, moved or deleted, view restrictions and sites. Apps purge for
their own models with `cache.purge_when_changed` (home its settings, news its columns
and tags)."""

from django.db.models.signals import post_delete
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .cache import purge_on_change, purge_when_changed


def register_signal_handlers() -> None:
    page_published.connect(purge_on_change, dispatch_uid="pagecache-published")
    page_unpublished.connect(purge_on_change, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(purge_on_change, dispatch_uid="pagecache-moved")
    post_delete.connect(
        purge_on_change, sender=Page, dispatch_uid="pagecache-page-deleted"
    )
    # Privacy settings and sites change what readers see and how pages are routed.
    purge_when_changed(PageViewRestriction, Site)
