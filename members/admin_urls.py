"""Admin URLs that replace Wagtail's own; config/urls.py includes them before Wagtail's."""

from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.utils.urlpatterns import decorate_urlpatterns

from .admin_views import SiteHistoryView

urlpatterns = [
    path("reports/site-history/", SiteHistoryView.as_view()),
    path("reports/site-history/results/", SiteHistoryView.as_view(results_only=True)),
]
urlpatterns = decorate_urlpatterns(urlpatterns, require_admin_access)
urlpatterns = decorate_urlpatterns(urlpatterns, never_cache)
