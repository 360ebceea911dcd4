"""Tags for the site frame: name, navigation, footer, the site's own address."""

import datetime

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from home.addresses import page_full_url
from home.models import SiteSettings
from pagecache.cache import cached_until_purge

register = template.Library()


def _site(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return site or Site.objects.filter(is_default_site=True).first()


@register.simple_tag(takes_context=True)
def site_name(context) -> str:
    site = _site(context)
    return (site.site_name if site else "") or settings.WAGTAIL_SITE_NAME


@register.simple_tag
def member_name(user) -> str:
    member = getattr(user, "member", None) if hasattr(user, "member") else None
    return member.real_name if member else (user.get_full_name() or user.get_username())


def _menu_pages(site, request) -> list[tuple[str, str]]:
    return [
        (page.title, page.get_url(request))
        for page in site.root_page.get_children().live().in_menu()
    ]


@register.simple_tag(takes_context=True)
def main_nav(context) -> list[dict]:
    """Home, the root's menu pages, then app routes listed in PORTAL_NAV_LINKS."""
    request = context.get("request")
    path = request.path if request else ""
    items = [{"title": "首页", "url": "/", "active": path == "/"}]
    site = _site(context)
    if site:
        menu = cached_until_purge(f"menu:{site.pk}", lambda: _menu_pages(site, request))
        for title, url in menu:
            items.append({"title": title, "url": url, "active": path.startswith(url)})
    # A name that does not reverse fails here and in the system check (home.E003).
    for title, url_name in getattr(settings, "PORTAL_NAV_LINKS", []):
        url = reverse(url_name)
        items.append({"title": title, "url": url, "active": path.startswith(url)})
    return items


def _footer(request) -> dict:
    conf = SiteSettings.load(request_or_site=request)
    return {
        "organizer": conf.organizer,
        "address": conf.address,
        "phone": conf.phone,
        "icp": conf.icp,
        "links": [dict(block.value) for block in conf.footer_links],
    }


@register.simple_tag(takes_context=True)
def site_footer(context) -> dict:
    request = context.get("request")
    return cached_until_purge("footer", lambda: _footer(request))


@register.simple_tag(takes_context=True)
def full_url(context, page) -> str:
    """The page's absolute URL on the site's own address (canonical, og:url)."""
    if not hasattr(page, "get_url_parts"):
        return ""
    return page_full_url(page, context.get("request")) or ""


class SharedFragmentNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context):
        request = context.get("request")
        if request is None or getattr(request, "is_preview", False):
            return self.nodelist.render(context)
        parts = [self.name.resolve(context)]
        parts += [str(variable.resolve(context)) for variable in self.vary_on]
        return cached_until_purge(
            "fragment:" + ":".join(parts), lambda: self.nodelist.render(context)
        )


@register.tag
def shared_fragment(parser, token):
    """{% shared_fragment "name" vary_on… %}…{% endshared_fragment %}: markup every
    reader sees alike, rendered once per purge (never in previews). Nothing inside
    may depend on the user or the request beyond what the vary_on values name."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]} needs a fragment name")
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(
        nodelist,
        parser.compile_filter(bits[1]),
        [parser.compile_filter(bit) for bit in bits[2:]],
    )


@register.filter
def iso(value) -> str:
    """A date or time for <time datetime> and meta tags: ISO 8601 in the site's time
    zone, to the second. Django's "c" format keeps microseconds, and HTML allows at
    most three fractional digits (vnu refused every such page)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


@register.inclusion_tag("includes/breadcrumbs.html")
def breadcrumbs(page, current: str = ""):
    """首页 › each ancestor between the home page and this page › this page (or
    ``current``): the one breadcrumb trail of every page type."""
    ancestors = page.get_ancestors().filter(depth__gt=2).only("title", "url_path")
    return {
        "crumbs": [(ancestor.title, ancestor.url) for ancestor in ancestors],
        "current": current or page.title,
    }


@register.filter
def elided_pages(page_obj):
    """Page numbers around the current one, with Paginator.ELLIPSIS for the gaps."""
    return page_obj.paginator.get_elided_page_range(page_obj.number)


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """The query string of another page of a list: the request's parameters (filters
    stay chosen) with page replaced; only ?page= where the list is cached as a shared
    fragment (plain_pages), so no visitor's parameters are cached for the next."""
    if context.get("plain_pages"):
        return f"?page={number}"
    query = context["request"].GET.copy()
    query["page"] = number
    return f"?{query.urlencode()}"
