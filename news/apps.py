from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = "新闻"

    def ready(self):
        from search import registry

        from .search import NewsArticleSource

        registry.register(NewsArticleSource)
