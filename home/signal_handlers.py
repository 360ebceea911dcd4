"""The site's settings change what cached pages show (pagecache purges for pages)."""

from pagecache.cache import purge_when_changed


def register_signal_handlers() -> None:
    from .models import SiteSettings

    purge_when_changed(SiteSettings)
