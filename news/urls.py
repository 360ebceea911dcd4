from django.urls import path, re_path

from . import feeds, views

app_name = "news"

urlpatterns = [
    path("rss/", feeds.NewsFeed(), name="feed"),
    path("rss/<slug:slug>/", feeds.ColumnFeed(), name="column_feed"),
    re_path(r"^rss/tag/(?P<slug>[^/]+)/$", feeds.TagFeed(), name="tag_feed"),
    path("rss/branch/<int:pk>/", feeds.BranchFeed(), name="branch_feed"),
    path("read/<int:pk>/", views.record_read_view, name="record_read"),
]
