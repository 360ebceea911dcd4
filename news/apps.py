from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = "新闻"

    def ready(self):
        try:
            from search import registry
        except ImportError:
            return
        if not hasattr(registry, "register"):
            return
        from .search import NewsArticleSource

        registry.register(NewsArticleSource)
