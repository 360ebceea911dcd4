"""Account pages, included in members.urls (namespace "members", under /accounts/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("activate/", views.ActivateView.as_view(), name="activate"),
    path("password/reset/", views.ResetRequestView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.ResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.ResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", views.ChangeView.as_view(), name="password_change"),
    path("email/", views.EmailChangeView.as_view(), name="email_change"),
    path(
        "email/confirm/<str:token>/",
        views.EmailConfirmView.as_view(),
        name="email_confirm",
    ),
    path(
        "password/change/done/",
        views.ChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
