from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = "新闻"

    def ready(self):
        from members.roles import (
            PUBLICIST,
            REVIEWER,
            SITE_ADMIN,
            crud,
            declare_role_permissions,
        )

        declare_role_permissions(
            {
                SITE_ADMIN: [
                    *crud("news", "newscolumn"),
                    *crud("news", "newstag"),
                    "news.view_publishing_stats",
                ],
                PUBLICIST: ["news.view_publishing_stats"],
                REVIEWER: ["news.view_publishing_stats", "news.view_newscolumn"],
            }
        )

        from . import home_blocks  # noqa: F401  (registers the home_page_context hook)
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()

        from search import registry

        from .search import NewsArticleSource

        registry.register(NewsArticleSource)
