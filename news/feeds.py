"""RSS 2.0 feeds: all news and one per column, tag and branch, linking to the site's
own address."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Rss201rev2Feed
from wagtail.models import Site

from home.addresses import absolute_url, page_full_url
from members.models import Organization

from .models import NewsArticlePage, NewsColumn, NewsIndexPage, NewsTag

FEED_SIZE = 30


class NewsFeed(Feed):
    """The latest published news of the whole portal."""

    feed_type = Rss201rev2Feed
    language = "zh-cn"

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return None

    def _index(self):
        return NewsIndexPage.objects.live().first()

    def title(self, obj):
        site = Site.find_for_request(self.request)
        return f"{site.site_name if site else ''} - 新闻中心".strip(" -")

    def link(self, obj):
        index = self._index()
        return self._page_url(index) if index else absolute_url("/", self.request)

    def feed_url(self, obj):
        return absolute_url(self.request.path, self.request)

    def _page_url(self, page) -> str:
        return page_full_url(page, self.request) or absolute_url("/", self.request)

    def description(self, obj):
        return "党建工作要闻、基层动态与通知公告"

    def _articles(self):
        return NewsArticlePage.objects.published().select_related("column", "branch")

    def items(self, obj):
        return self._articles()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.plain_summary

    def item_link(self, item):
        return self._page_url(item)

    def item_guid(self, item):
        return self._page_url(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return item.author or None

    def item_categories(self, item):
        return [item.column.name]


class _SelectionFeed(NewsFeed):
    """The latest news of one ``model`` object (found by the URL's ``lookup`` field),
    linked to the news index's ``subpage`` listing it."""

    model: type
    lookup = "slug"
    subpage: str

    def get_object(self, request, **kwargs):
        self.request = request
        return get_object_or_404(self.model, **{self.lookup: kwargs[self.lookup]})

    def link(self, obj):
        index = self._index()
        if not index:
            return absolute_url("/", self.request)
        return self._page_url(index) + index.reverse_subpage(
            self.subpage, args=[getattr(obj, self.lookup)]
        )


class ColumnFeed(_SelectionFeed):
    """The latest news of one column."""

    model = NewsColumn
    subpage = "column"

    def title(self, obj):
        return f"{super().title(obj)} - {obj.name}"

    def description(self, obj):
        return obj.description or f"{obj.name}栏目最新文章"

    def items(self, obj):
        return self._articles().filter(column=obj)[:FEED_SIZE]


class TagFeed(_SelectionFeed):
    """The latest news with one tag."""

    model = NewsTag
    subpage = "tag"

    def title(self, obj):
        return f"{super().title(obj)} - 标签：{obj.name}"

    def description(self, obj):
        return f"标签“{obj.name}”的最新文章"

    def items(self, obj):
        return self._articles().tagged(obj)[:FEED_SIZE]


class BranchFeed(_SelectionFeed):
    """The latest news of one organisation and those below it."""

    model = Organization
    lookup = "pk"
    subpage = "branch"

    def title(self, obj):
        return f"{super().title(obj)} - {obj.name}动态"

    def description(self, obj):
        return f"{obj.name}及所属组织的最新动态"

    def items(self, obj):
        return self._articles().in_branch(obj)[:FEED_SIZE]
