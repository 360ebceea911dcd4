"""Infrastructure reactions: news' own snippets change what cached pages show."""

from django.db.models.signals import post_delete, post_save

from home.page_cache import purge_all


def purge_page_cache(**kwargs) -> None:
    purge_all()


def register_signal_handlers() -> None:
    from .models import NewsColumn, NewsTag

    # Columns and tags are listed on the home page and the news pages.
    for model in (NewsColumn, NewsTag):
        post_save.connect(
            purge_page_cache, sender=model, dispatch_uid=f"news-purge-{model.__name__}"
        )
        post_delete.connect(
            purge_page_cache,
            sender=model,
            dispatch_uid=f"news-purge-{model.__name__}-deleted",
        )
