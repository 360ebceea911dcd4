"""The home page and site-wide settings."""

from django.db import models
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page


class HomePage(Page):
    """The site root: a portal front page; sections add their own blocks to it."""

    intro = RichTextField("导语", blank=True, features=["bold", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "首页"


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
