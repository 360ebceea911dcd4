from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .accounts.urls import urlpatterns as account_urlpatterns

app_name = "members"

urlpatterns = [
    path("login/", views.MemberLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *account_urlpatterns,
]
