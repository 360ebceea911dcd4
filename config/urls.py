"""Root URLconf: app routes first, Wagtail's page serving last."""

from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve as serve_media
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from home.health import healthz
from home.sitemaps import PortalSitemap
from home.views import favicon, page_not_found

urlpatterns = [
    # Wagtail admin views we replace (the scoped site history) answer first.
    path("admin/", include("members.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("members.urls")),
    path("search/", include("search.urls")),
    path("api/", include("search.api_urls")),
    path("news/", include("news.urls")),
    path("school/", include("school.urls")),
    path("exams/", include("exams.urls")),
    path("mailbox/", include("mailbox.urls")),
    path("notices/", include("notices.urls")),
    path("surveys/", include("surveys.urls")),
    path("elections/", include("elections.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("me/", include("members.me_urls")),
    path("me/notifications/", include("notifications.urls")),
    path("me/points/", include("points.urls")),
    path(
        "sitemap.xml", sitemap, {"sitemaps": {"pages": PortalSitemap}}, name="sitemap"
    ),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
]

serve_local_media = settings.DEBUG or getattr(settings, "PORTAL_SERVE_MEDIA", False)
if serve_local_media and settings.MEDIA_URL.startswith("/"):
    # Development only (nginx serves media in production). Video files go through
    # school's access-checked view, never the media folder.
    media = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media}school/", page_not_found),
        re_path(
            rf"^{media}(?P<path>.*)$",
            serve_media,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

urlpatterns.append(path("", include(wagtail_urls)))

handler400 = "home.views.bad_request"
handler404 = "home.views.page_not_found"
handler500 = "home.views.server_error"
