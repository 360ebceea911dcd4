"""Purge the anonymous page cache whenever what readers see may have changed."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .page_cache import purge_all


def purge_page_cache(**kwargs) -> None:
    purge_all()


def register_signal_handlers() -> None:
    from .models import SiteSettings

    page_published.connect(purge_page_cache, dispatch_uid="home-purge-published")
    page_unpublished.connect(purge_page_cache, dispatch_uid="home-purge-unpublished")
    post_page_move.connect(purge_page_cache, dispatch_uid="home-purge-moved")
    post_delete.connect(
        purge_page_cache, sender=Page, dispatch_uid="home-purge-page-deleted"
    )
    # Privacy settings and sites change what readers see and how pages are routed.
    for model in (SiteSettings, PageViewRestriction, Site):
        post_save.connect(
            purge_page_cache, sender=model, dispatch_uid=f"home-purge-{model.__name__}"
        )
        post_delete.connect(
            purge_page_cache,
            sender=model,
            dispatch_uid=f"home-purge-{model.__name__}-deleted",
        )
