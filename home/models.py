"""The home page and site-wide settings."""

from django.db import models
from django.urls import reverse
from modelcluster.fields import ParentalKey
from wagtail import blocks, hooks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from pagecache.cache import (
    CachedPageMixin,
    CachedRoutesMixin,
    cached_until_purge,
)

# The home page's 网站导航 besides 新闻中心: a section page (app_label.Model, linked
# when the site has a live one: a site may be set up without the library) or a URL
# name (always linked; a wrong name is an error, never dropped in silence).
SECTION_LINKS = [
    ("library.PolicyLibraryPage", "查阅党内法规与政策文件"),
    ("school.SchoolIndexPage", "在线课程、考试与学习记录"),
    ("notices.NoticeIndexPage", "发展党员、干部任前等公示"),
    ("mailbox:write", "写信反映情况、提出建议", "领导信箱"),
    ("mailbox:board", "党员群众交流互动", "留言板"),
    ("search:search", "搜索新闻、文件与课程", "站内搜索"),
]


def section_pages() -> dict:
    """The first live page of each section type in SECTION_LINKS ("app.Model" → page or
    None), found with one query."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    models = [apps.get_model(t) for t, *_rest in SECTION_LINKS if ":" not in t]
    types = ContentType.objects.get_for_models(*models)
    first: dict[int, Page] = {}
    pages = (
        Page.objects.live()
        .filter(content_type__in=list(types.values()))
        .order_by("path")
        .only("title", "url_path", "content_type_id")
    )
    for page in pages:
        first.setdefault(page.content_type_id, page)
    return {model._meta.label: first.get(types[model].pk) for model in models}


def section_links(pages: dict) -> list[dict]:
    links = []
    for target, description, *title in SECTION_LINKS:
        if ":" in target:
            links.append(
                {"title": title[0], "url": reverse(target), "description": description}
            )
        elif pages.get(target) is not None:
            page = pages[target]
            links.append(
                {"title": page.title, "url": page.url, "description": description}
            )
    return links


class HomePage(CachedRoutesMixin, CachedPageMixin, Page):
    """The site root: headline carousel, latest news per column, notices, sections."""

    intro = RichTextField("导语", blank=True, features=["bold", "link"])
    carousel_size = models.PositiveSmallIntegerField(
        "头条轮播条数",
        default=5,
        help_text="未挑选头条时,自动展示最新的带封面要闻",
    )
    column_size = models.PositiveSmallIntegerField("每个栏目显示条数", default=6)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                InlinePanel("carousel_items", label="头条", max_num=10),
                FieldPanel("carousel_size"),
            ],
            heading="头条轮播",
        ),
        FieldPanel("column_size"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "首页"

    def sections(self) -> dict:
        """Everything the page lists: the section links, and what apps contribute
        through the ``home_page_context`` hook, a function of the home page and the
        section pages ("app.Model" → the first live one or None) returning context
        (news: headlines, columns, notices; the library its newest documents; the
        school its courses). Home imports none of their code."""
        pages = section_pages()
        context = {"section_links": section_links(pages)}
        for contribute in hooks.get_hooks("home_page_context"):
            context.update(contribute(self, pages))
        return context

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if getattr(request, "is_preview", False):
            context.update(self.sections())
        else:
            context.update(cached_until_purge(f"home:{self.pk}", self.sections))
        return context


class HomeCarouselItem(Orderable):
    """One editor-picked headline on the home page."""

    page = ParentalKey(
        HomePage, on_delete=models.CASCADE, related_name="carousel_items"
    )
    article = models.ForeignKey(
        "news.NewsArticlePage",
        verbose_name="文章",
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [FieldPanel("article")]

    class Meta(Orderable.Meta):
        verbose_name = "头条"
        verbose_name_plural = "头条"


class LinkBlock(blocks.StructBlock):
    """A titled link to a page or an address."""

    title = blocks.CharBlock(label="标题", max_length=30)
    url = blocks.CharBlock(label="网址", max_length=300)

    class Meta:
        icon = "link"
        label = "链接"


@register_setting(icon="cog")
class SiteSettings(BaseGenericSetting):
    """What the footer and the header say about the organisation running the site."""

    organizer = models.CharField(
        "主办单位", max_length=100, default="中共红星集团委员会"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=50, blank=True)
    icp = models.CharField("备案信息", max_length=100, blank=True)
    footer_links = StreamField(
        [("link", LinkBlock())], blank=True, verbose_name="页脚链接"
    )

    panels = [
        FieldPanel("organizer"),
        FieldPanel("address"),
        FieldPanel("phone"),
        FieldPanel("icp"),
        FieldPanel("footer_links"),
    ]

    class Meta:
        verbose_name = "站点设置"
