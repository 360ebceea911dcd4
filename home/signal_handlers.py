"""Purge the anonymous page cache whenever what readers see may have changed."""

from django.db.models.signals import post_delete
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .page_cache import purge_on_change, purge_when_changed


def register_signal_handlers() -> None:
    from .models import SiteSettings

    page_published.connect(purge_on_change, dispatch_uid="home-purge-published")
    page_unpublished.connect(purge_on_change, dispatch_uid="home-purge-unpublished")
    post_page_move.connect(purge_on_change, dispatch_uid="home-purge-moved")
    post_delete.connect(
        purge_on_change, sender=Page, dispatch_uid="home-purge-page-deleted"
    )
    # Privacy settings and sites change what readers see and how pages are routed.
    purge_when_changed(SiteSettings, PageViewRestriction, Site)
