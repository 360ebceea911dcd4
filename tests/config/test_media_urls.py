"""In development the media folder is served, except the party school's video files."""

import importlib

from django.urls import clear_url_caches, resolve


def test_debug_media_serving_leaves_out_video_files(settings):
    import config.urls

    settings.DEBUG = True
    try:
        urls = importlib.reload(config.urls)
        clear_url_caches()
        assert resolve("/media/school/sources/2026/11/a.mp4").func.__name__ == (
            "page_not_found"
        )
        assert resolve("/media/school/videos/1-abc/master.m3u8").func.__name__ == (
            "page_not_found"
        )
        assert resolve("/media/original_images/a.jpg").func.__name__ == "serve"
        assert any("school/" in str(p.pattern) for p in urls.urlpatterns)
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()
