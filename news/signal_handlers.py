"""Infrastructure reactions: news' own snippets change what cached pages show."""

from pagecache.cache import purge_when_changed


def register_signal_handlers() -> None:
    from .models import NewsColumn, NewsTag

    # Columns and tags are listed on the home page and the news pages.
    purge_when_changed(NewsColumn, NewsTag)
