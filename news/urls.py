from django.urls import path

from . import feeds, views

app_name = "news"

urlpatterns = [
    path("rss/", feeds.NewsFeed(), name="feed"),
    path("rss/<slug:slug>/", feeds.ColumnFeed(), name="column_feed"),
    path("read/<int:pk>/", views.record_read_view, name="record_read"),
]
