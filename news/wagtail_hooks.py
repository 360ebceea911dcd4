"""Admin menus and URLs of the news portal."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import PublishingStatsView


class PublishingStatsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("news.view_publishing_stats")


@hooks.register("register_admin_urls")
def register_news_admin_urls():
    return [
        path(
            "news/stats/",
            PublishingStatsView.as_view(),
            name="news_publishing_stats",
        ),
        path(
            "news/stats/results/",
            PublishingStatsView.as_view(results_only=True),
            name="news_publishing_stats_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_publishing_stats_menu_item():
    return PublishingStatsMenuItem(
        "新闻发布统计",
        reverse("news_publishing_stats"),
        name="news-publishing-stats",
        icon_name="table",
        order=50,
    )
