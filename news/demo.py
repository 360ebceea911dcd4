"""Demo news: the news index with its review workflow, articles, pictures, headlines."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page

from members.models import Organization

from . import demo_articles
from .demo_images import render
from .models import NewsArticlePage, NewsColumn
from .services import install_news_section

IMAGE_ALT = {
    "sunrise": "朝阳从群山后升起的插画",
    "city": "蓝天下城市楼群的插画",
    "books": "书架上整齐排列的书籍插画",
    "meeting": "党员围坐会议桌开会的插画",
    "ribbons": "红色背景上飘动的彩带和星星插画",
    "gears": "几个相互咬合的齿轮插画",
    "notice": "红色背景上的一份文件插画",
    "hills": "绿色山峦与太阳的插画",
}


def load() -> str:
    """Create the demo news content once; running it again adds nothing."""
    index = install_news_section()
    users = {u.username: u for u in get_user_model().objects.all()}
    columns = {c.slug: c for c in NewsColumn.objects.all()}
    orgs = {o.code: o for o in Organization.objects.all()}
    existing = set(
        NewsArticlePage.objects.child_of(index).values_list("title", flat=True)
    )
    created = 0
    for seed, spec in enumerate(demo_articles.ARTICLES):
        if spec[1] in existing or spec[0] not in columns:
            continue
        _create_article(index, spec, seed, columns, orgs, users, publish=True)
        created += 1
    spec = demo_articles.IN_REVIEW
    if spec[1] not in existing and spec[0] in columns:
        article = _create_article(index, spec, 99, columns, orgs, users, publish=False)
        author = users.get("xuanchuan")
        workflow = index.get_workflow()
        if workflow and author:
            workflow.start(article, author)
        created += 1
    _pick_headlines()
    total = NewsArticlePage.objects.child_of(index).count()
    return f"新闻 {created} 篇新建，共 {total} 篇；新闻中心 {index.url}"


def _image(theme: str, seed: int, title: str):
    """A drawn picture on the theme, titled for the article it illustrates."""
    Image = get_image_model()
    image = Image.objects.filter(title=title).first()
    if image is None:
        data = render(theme, seed)
        image = Image(
            title=title,
            description=IMAGE_ALT[theme],
            file=ImageFile(io.BytesIO(data), name=f"demo-{theme}-{seed}.jpg"),
        )
        image.save()
    return image


def _create_article(index, spec, seed, columns, orgs, users, *, publish: bool):
    (column, title, subtitle, summary, paragraphs, tags, org_code, days_ago, theme,
     author, source) = spec  # fmt: skip
    body = [("paragraph", f"<p>{text}</p>") for text in paragraphs]
    if title == demo_articles.QUOTE_ARTICLE:
        text, who = demo_articles.QUOTE
        body.insert(2, ("quote", {"text": text, "attribution": who}))
    if title == demo_articles.TABLE_ARTICLE:
        body.insert(3, ("table", demo_articles.TABLE))
    if theme and len(paragraphs) > 2:
        inner = _image(theme, seed + 500, f"{title}（文中配图）")
        body.insert(
            2,
            (
                "image",
                {
                    "image": inner,
                    "alt": IMAGE_ALT[theme],
                    "caption": f"{title}（示意图）",
                },
            ),
        )
    owner = users.get("xuanchuan") or users.get("admin")
    article = NewsArticlePage(
        title=title,
        subtitle=subtitle,
        summary=summary,
        column=columns[column],
        branch=orgs.get(org_code),
        author=author,
        source=source,
        cover=_image(theme, seed, f"{title}（题图）") if theme else None,
        body=body,
        owner=owner,
        live=False,
    )
    index.add_child(instance=article)
    article.tags.add(*tags)
    revision = article.save_revision(user=owner, log_action=True)
    if publish:
        revision.publish(user=users.get("shenhe") or owner)
        when = timezone.now() - timedelta(days=days_ago, hours=seed % 7)
        Page.objects.filter(pk=article.pk).update(
            first_published_at=when, last_published_at=when
        )
    return article


def _pick_headlines() -> None:
    from home.models import HomeCarouselItem, HomePage

    home = HomePage.objects.first()
    if home is None or home.carousel_items.exists():
        return
    articles = {
        a.title: a
        for a in NewsArticlePage.objects.filter(title__in=demo_articles.CAROUSEL).live()
    }
    for order, title in enumerate(demo_articles.CAROUSEL):
        if title in articles:
            HomeCarouselItem.objects.create(
                page=home, article=articles[title], sort_order=order
            )
