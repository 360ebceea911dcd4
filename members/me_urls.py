"""/me/ (URL name "me", no namespace: PORTAL_ACCOUNT_HOME_URL_NAMES finds it)."""

from django.urls import path

from . import me_views

urlpatterns = [
    path("", me_views.personal_centre, name="me"),
]
