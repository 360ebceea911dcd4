"""/sitemap.xml: Wagtail's sitemap of live public pages, on the site's own address."""

from wagtail.contrib.sitemaps import Sitemap

from .addresses import rebase_site_url


class PortalSitemap(Sitemap):
    """Every location Wagtail builds from the Site record, moved onto PORTAL_BASE_URL."""

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url_info in urls:
            url_info["location"] = rebase_site_url(url_info["location"], self.request)
        return urls
