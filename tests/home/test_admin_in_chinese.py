"""The Wagtail admin speaks Chinese where Wagtail 8's own catalogue does not
(site/locale/zh_Hans: django.po for templates and Python, djangojs.po for its scripts)."""

import json

import pytest

pytestmark = pytest.mark.django_db

ENGLISH_LEFT_BY_WAGTAIL = [
    "Page types usage",
    "Privacy and access",
    "Search all pages…",
    "Search terms",
    "editor guide",
    "Edit account avatar",
    "created in",
]


def test_dashboard_and_menus_have_no_english_left(admin_client):
    html = admin_client.get("/admin/").content.decode()
    for text in ENGLISH_LEFT_BY_WAGTAIL:
        assert text not in html, text
    # The sidebar comes as JSON, which escapes Chinese characters.
    assert any(
        form in html
        for form in ("页面类型使用情况", json.dumps("页面类型使用情况")[1:-1])
    )


def test_sort_links_and_the_explorer_are_in_chinese(admin_client):
    html = admin_client.get("/admin/pages/").content.decode()
    assert "in ascending order" not in html and "升序排列" in html
    assert "正在浏览" in html


def test_the_admin_scripts_catalogue_has_the_sidebar_strings(admin_client):
    catalogue = admin_client.get("/admin/jsi18n/").content.decode()
    assert '"(New)": "\\uff08\\u65b0\\uff09"' in catalogue
    assert "Autosave in progress" in catalogue and "\\u6b63\\u5728\\u81ea\\u52a8" in (
        catalogue
    )
