"""News portal: the news index, articles, columns, tags and read counters."""

from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TagBase, TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from home.addresses import absolute_url, page_full_url
from home.params import BadParameter, int_param
from members.models import Organization
from members.scopes import filing_organizations
from pagecache.cache import (
    CachedPageMixin,
    cached_until_purge,
)

from .blocks import NewsBodyBlock
from .slugs import pinyin_slug, tag_slug

LIST_IMAGE_SPECS = [
    f"fill-{size}|format-{fmt}"
    for size in ("320x200", "640x400")
    for fmt in ("webp", "jpeg")
]
COVER_IMAGE_SPECS = [
    f"fill-{size}|format-{fmt}"
    for size in ("480x270", "800x450", "1200x675")
    for fmt in ("webp", "jpeg")
]
OG_IMAGE_SPEC = "fill-1200x630|format-jpeg"
# Listing pages up to this number are kept until the next purge; later ones (rarely
# read, or made up) are fetched each time.
MAX_KEPT_PAGE = 200


@register_snippet
class NewsColumn(models.Model):
    """A column (栏目) of the news portal; editors can rename, add and reorder them."""

    name = models.CharField("栏目名称", max_length=20, unique=True)
    slug = models.SlugField(
        "网址名",
        max_length=40,
        unique=True,
        help_text="只用小写字母、数字和连字符,例如 yaowen;用于栏目网址和订阅地址",
    )
    description = models.CharField("栏目简介", max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    freshness_days = models.PositiveSmallIntegerField(
        "更新周期(天)",
        default=30,
        help_text="超过这么多天没有新文章,发布统计中会提示“栏目更新不及时”",
    )

    class HomeDisplay(models.TextChoices):
        LIST = "list", "新闻列表"
        NOTICES = "notices", "通知公告栏"
        HIDDEN = "hidden", "不在首页显示"

    home_display = models.CharField(
        "首页展示方式", max_length=10, choices=HomeDisplay.choices, default="list"
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("sort_order"), FieldPanel("freshness_days")]),
        FieldPanel("home_display"),
    ]

    class Meta:
        verbose_name = "新闻栏目"
        verbose_name_plural = "新闻栏目"
        ordering = ["sort_order", "pk"]
        permissions = [("view_publishing_stats", "查看新闻发布统计")]

    def __str__(self):
        return self.name


class NewsTag(TagBase):
    """A news tag whose slug keeps Chinese characters (taggit would leave it empty)."""

    free_tagging = True

    class Meta:
        verbose_name = "新闻标签"
        verbose_name_plural = "新闻标签"

    def slugify(self, tag, i=None):
        slug = tag_slug(tag)
        return f"{slug}-{i}" if i is not None else slug


class NewsArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.NewsArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )
    tag = models.ForeignKey(
        NewsTag, on_delete=models.CASCADE, related_name="tagged_articles"
    )


class NewsArticlePageQuerySet(PageQuerySet):
    def published(self):
        """Live, publicly viewable articles, newest first."""
        return self.live().public().order_by("-first_published_at", "-pk")

    def for_listing(self, image_specs=LIST_IMAGE_SPECS):
        """Everything a list item shows, fetched in a constant number of queries."""
        Image = get_image_model()
        return self.select_related("column", "branch").prefetch_related(
            Prefetch("cover", queryset=Image.objects.prefetch_renditions(*image_specs))
        )

    def in_column(self, column):
        return self.filter(column=column)

    def tagged(self, tag):
        return self.filter(tagged_items__tag=tag)

    def in_branch(self, organization: Organization):
        """Articles from the organisation or any organisation below it."""
        return self.filter(branch__path__startswith=organization.path)


NewsArticlePageManager = PageManager.from_queryset(NewsArticlePageQuerySet)


class NewsIndexPage(CachedPageMixin, RoutablePageMixin, Page):
    """The news portal: all news, plus column, tag and branch listings as sub-routes."""

    intro = RichTextField("栏目导语", blank=True, features=["bold", "link"])
    per_page = models.PositiveSmallIntegerField("每页条数", default=15)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("per_page")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["news.NewsArticlePage"]
    max_count = 1

    class Meta:
        verbose_name = "新闻中心"

    def articles(self):
        return NewsArticlePage.objects.child_of(self).published().for_listing()

    def columns(self) -> list[NewsColumn]:
        return cached_until_purge(
            "news:columns", lambda: list(NewsColumn.objects.all())
        )

    def _page_of(self, queryset, number):
        """One page of a listing, detached from the database so that it can be kept."""
        try:
            page = Paginator(queryset, self.per_page).page(number)
        except (PageNotAnInteger, EmptyPage):
            return None
        items = list(page.object_list)
        for item in items:
            item.plain_summary  # noqa: B018 (computed once, kept with the page)
        detached = Paginator(range(page.paginator.count), self.per_page).page(
            page.number
        )
        detached.object_list = items
        return detached

    def _paginate(self, request, queryset, subpath):
        try:
            number = int_param(request.GET, "page", default=1, minimum=1)
        except BadParameter:
            raise Http404("没有这一页") from None
        if getattr(request, "is_preview", False) or number > MAX_KEPT_PAGE:
            listing = self._page_of(queryset, number)
        else:
            listing = cached_until_purge(
                f"news:listing:{self.pk}:{subpath}:{number}",
                lambda: self._page_of(queryset, number),
            )
        if listing is None:
            raise Http404("没有这一页")
        return listing

    def _listing(self, request, *, queryset, heading, subpath="", feed_url="", **extra):
        listing = self._paginate(request, queryset, subpath)
        canonical = (page_full_url(self, request) or "") + subpath
        if listing.number > 1:
            canonical += f"?page={listing.number}"
        context = {
            "listing": listing,
            "canonical_url": canonical,
            "heading": heading,
            "columns": self.columns(),
            "feed_url": feed_url or reverse("news:feed"),
            **extra,
        }
        return self.render(
            request,
            context_overrides=context,
            template="news/news_listing.html",
        )

    @path("")
    def all_news(self, request):
        return self._listing(request, queryset=self.articles(), heading="全部新闻")

    @path("column/<slug:slug>/")
    def column(self, request, slug):
        column = next((c for c in self.columns() if c.slug == slug), None)
        if column is None:
            raise Http404("没有这个栏目")
        return self._listing(
            request,
            queryset=self.articles().in_column(column),
            heading=column.name,
            subpath=self.reverse_subpage("column", args=[slug]),
            feed_url=reverse("news:column_feed", args=[slug]),
            column=column,
        )

    @re_path(r"^tag/(?P<slug>[^/]+)/$")
    def tag(self, request, slug):
        tag = get_object_or_404(NewsTag, slug=slug)
        return self._listing(
            request,
            queryset=self.articles().tagged(tag),
            heading=f"标签：{tag.name}",
            subpath=self.reverse_subpage("tag", args=[slug]),
            feed_url=reverse("news:tag_feed", args=[tag.slug]),
            tag=tag,
        )

    @path("branch/<int:pk>/")
    def branch(self, request, pk):
        organization = get_object_or_404(Organization, pk=pk)
        return self._listing(
            request,
            queryset=self.articles().in_branch(organization),
            heading=f"{organization.name}动态",
            subpath=self.reverse_subpage("branch", args=[pk]),
            feed_url=reverse("news:branch_feed", args=[organization.pk]),
            organization=organization,
        )

    def get_sitemap_urls(self, request=None):
        urls = super().get_sitemap_urls(request)
        base = page_full_url(self, request)
        if base:
            urls += [
                {"location": base + self.reverse_subpage("column", args=[c.slug])}
                for c in self.columns()
            ]
        return urls


class NewsArticleForm(WagtailAdminPageForm):
    """Turns a Chinese slug (the admin copies it from the title) into pinyin; offers
    (and accepts) as 所属党组织 only the organisations the user may file news under."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields[
                "slug"
            ].help_text = "留空则按标题自动生成拼音网址,便于在微信中分享"
        user = self.for_user
        if user is not None and "branch" in self.fields:
            # The article's current 所属党组织 stays selectable, so an editor outside
            # that branch can keep it, but never pick another branch outside the scope.
            self.fields["branch"].queryset = Organization.objects.filter(
                Q(pk__in=filing_organizations(user).values("pk"))
                | Q(pk=self.instance.branch_id)
            )
        member = getattr(user, "member", None) if user else None
        if self.instance._state.adding and member is not None:
            if (
                "branch" in self.fields
                and not self.initial.get("branch")
                and self.fields["branch"]
                .queryset.filter(pk=member.organization_id)
                .exists()
            ):
                self.initial["branch"] = member.organization_id
            if "author" in self.fields and not self.initial.get("author"):
                self.initial["author"] = member.real_name

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or ""
        if slug and slug.isascii():
            return slug
        title = self.cleaned_data.get("title") or self.data.get("title") or ""
        base = pinyin_slug(title) or "news"
        candidate, n = base, 1
        while not Page._slug_is_available(candidate, self.parent_page, self.instance):
            n += 1
            candidate = f"{base}-{n}"
        return candidate


class NewsArticlePage(CachedPageMixin, Page):
    """One news article; lives under the news index, belongs to one column."""

    subtitle = models.CharField("副标题", max_length=120, blank=True)
    summary = models.TextField(
        "摘要",
        max_length=300,
        blank=True,
        help_text="列表、分享卡片和搜索结果中显示;留空则取正文开头",
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="封面图片",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="可在图片编辑页设置焦点,裁剪时保留主体",
    )
    body = StreamField(NewsBodyBlock(), verbose_name="正文")
    column = models.ForeignKey(
        NewsColumn,
        verbose_name="栏目",
        on_delete=models.PROTECT,
        related_name="articles",
    )
    tags = ClusterTaggableManager("标签", through=NewsArticleTag, blank=True)
    branch = models.ForeignKey(
        Organization,
        verbose_name="所属党组织",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="news_articles",
        help_text="默认为作者所在党组织",
    )
    author = models.CharField("作者", max_length=50, blank=True)
    source = models.CharField("来源", max_length=100, default="本站")

    objects = NewsArticlePageManager()

    content_panels = [
        *Page.content_panels,
        FieldPanel("subtitle"),
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("column", widget=forms.Select),
                        FieldPanel("branch"),
                    ]
                ),
                FieldRowPanel([FieldPanel("author"), FieldPanel("source")]),
                FieldPanel("tags"),
            ],
            heading="栏目与来源",
        ),
    ]

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("column"),
    ]

    base_form_class = NewsArticleForm
    parent_page_types = ["news.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "新闻文章"
        verbose_name_plural = "新闻文章"

    def _ensure_ascii_slug(self) -> None:
        """Chinese titles give share-safe pinyin slugs (WeChat mangles others)."""
        if self.slug and self.slug.isascii():
            return
        parent_known = bool(self.path or getattr(self, "_cached_parent_obj", None))
        base = pinyin_slug(self.title) or "news"
        self.slug = self._get_autogenerated_slug(base) if parent_known else base

    def full_clean(self, *args, **kwargs):
        self._ensure_ascii_slug()
        super().full_clean(*args, **kwargs)

    def minimal_clean(self):
        self._ensure_ascii_slug()
        super().minimal_clean()

    @property
    def date(self):
        return (
            self.first_published_at
            or self.go_live_at
            or self.latest_revision_created_at
        )

    @cached_property
    def plain_summary(self) -> str:
        """The summary, or the opening of the body as plain text."""
        if self.summary:
            return self.summary
        from django.utils.html import strip_tags

        for block in self.body:
            if block.block_type == "paragraph":
                text = " ".join(strip_tags(block.value.source).split())
                if text:
                    return text[:120] + ("…" if len(text) > 120 else "")
        return ""

    def tag_list(self):
        return list(self.tags.all())

    def siblings_published(self):
        return NewsArticlePage.objects.sibling_of(self).published()

    def _adjacent_article(self, direction: str):
        """The nearest published article in the same column before ("lt") or after
        ("gt") this one, by first publication (then pk)."""
        if not self.first_published_at:
            return None
        sign = "-" if direction == "lt" else ""
        return (
            self.siblings_published()
            .filter(column_id=self.column_id)
            .filter(
                Q(**{f"first_published_at__{direction}": self.first_published_at})
                | Q(
                    first_published_at=self.first_published_at,
                    **{f"pk__{direction}": self.pk},
                )
            )
            .order_by(f"{sign}first_published_at", f"{sign}pk")
            .only("title", "url_path")
            .first()
        )

    def previous_article(self):
        """The article published just before this one in the same column."""
        return self._adjacent_article("lt")

    def next_article(self):
        """The article published just after this one in the same column."""
        return self._adjacent_article("gt")

    def related_articles(self, limit: int = 4, tags=None):
        """Articles sharing tags with this one, then the latest of its column."""
        base = (
            self.siblings_published()
            .exclude(pk=self.pk)
            .only("title", "url_path", "first_published_at")
        )
        tags = self.tag_list() if tags is None else tags
        tag_ids = [tag.pk for tag in tags]
        related = []
        if tag_ids:
            related = list(
                base.filter(tagged_items__tag_id__in=tag_ids)
                .annotate(shared=models.Count("tagged_items"))
                .order_by("-shared", "-first_published_at")[:limit]
            )
        if len(related) < limit:
            seen = [a.pk for a in related]
            related += list(
                base.filter(column_id=self.column_id).exclude(pk__in=seen)[
                    : limit - len(related)
                ]
            )
        return related

    def route(self, request, path_components):
        """Wagtail's; the article brings along what every render reads outside the
        shared fragments, since its route is kept until the next purge
        (pagecache.cache.CachedRoutesMixin)."""
        result = super().route(request, path_components)
        for relation in ("column", "branch", "cover"):
            getattr(self, relation)
        return result

    def surroundings(self) -> dict:
        """The news index, tags, neighbours and related articles the page shows."""
        tags = self.tag_list()
        return {
            "news_index": self.get_parent().specific_deferred,
            "tags": tags,
            "previous_article": self.previous_article(),
            "next_article": self.next_article(),
            "related_articles": self.related_articles(tags=tags),
        }

    def get_context(self, request, *args, **kwargs):
        from .readcounts import read_count

        context = super().get_context(request, *args, **kwargs)
        if getattr(request, "is_preview", False):
            context.update(self.surroundings())
        else:
            context.update(
                cached_until_purge(f"news:article:{self.pk}", self.surroundings)
            )
        context["read_count"] = read_count(self)
        if self.cover:
            context["cover_alt"] = self.cover.description or self.title
            og = self.cover.get_rendition(OG_IMAGE_SPEC)
            context["og_image_url"] = absolute_url(og.url, request)
        return context


class NewsReadCount(models.Model):
    """Reads flushed from the cache in batches (never written per page view)."""

    page = models.OneToOneField(
        NewsArticlePage,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="read_stat",
    )
    count = models.PositiveIntegerField("阅读次数", default=0)

    class Meta:
        verbose_name = "阅读次数"
        verbose_name_plural = "阅读次数"

    def __str__(self):
        return f"{self.page_id}: {self.count}"
