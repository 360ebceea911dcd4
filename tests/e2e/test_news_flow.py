"""Issue 3 end to end: write, review, reject, fix, approve, read on home/column/tag/RSS."""

import io
import time
from urllib.parse import quote

import feedparser
import pytest
from django.db import OperationalError
from PIL import Image as PILImage

from .conftest import DESKTOP, PHONE
from .steps import sign_in

TITLE = "第一党支部开展重温入党誓词主题党日活动"


@pytest.fixture
def newsroom(transactional_db, settings, tmp_path):
    """The news section with its workflow, a 宣传员 in a branch and a 审核员."""
    from django.core.cache import cache

    from home.models import HomePage, SiteSettings
    from news.services import install_news_section
    from tests.members.factories import (
        MemberFactory,
        OrganizationFactory,
        make_staff_user,
    )

    settings.PORTAL_PAGE_CACHE_SECONDS = 600  # readers get cached pages
    # The editor's background autosave and pings would write to the database
    # concurrently with the form posts; the test drives the posts alone.
    settings.WAGTAIL_EDITING_SESSION_PING_INTERVAL = 600_000
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    cache.clear()
    SiteSettings.objects.get_or_create()
    index = install_news_section(HomePage.objects.get())
    committee = OrganizationFactory(name="红星集团党委")
    branch = OrganizationFactory(parent=committee, name="第一党支部", kind="branch")
    publicist = make_staff_user("宣传员", username="xuanchuan")
    MemberFactory(user=publicist, organization=branch, real_name="李晓红")
    make_staff_user("审核员", username="shenhe")
    cover = tmp_path / "huodong.jpg"
    out = io.BytesIO()
    PILImage.new("RGB", (1600, 900), (178, 24, 31)).save(out, "JPEG")
    cover.write_bytes(out.getvalue())
    return {"index": index, "branch": branch, "cover": cover}


def wait_until(condition, seconds=15):
    """Poll the database (the live server writes it) until condition() holds.

    A "locked" error counts as "not yet". It came from the in-memory shared-cache
    SQLite test database; the file database tests use now waits instead
    (config/settings/test.py).
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
        assert time.monotonic() < deadline, "timed out waiting for the server"
        time.sleep(0.2)


def task_status(article) -> str:
    from wagtail.models import TaskState

    state = TaskState.objects.filter(workflow_state__object_id=str(article.pk)).last()
    return state.status if state else ""


def footer_action(page, name, expect_text="党员"):
    page.wait_for_load_state("networkidle")
    # The StreamField is built by scripts and Draftail copies its text into a hidden
    # input after a pause: act only once that input holds the text.
    page.locator("[data-contentpath=body] [contenteditable=true]").first.wait_for()
    page.locator("#id_title").click()  # blur the editor so it saves its state
    hidden = page.locator("input[name='body-0-value']")
    wait_until(lambda: expect_text in hidden.input_value())
    button = page.locator("footer").get_by_role("button", name=name, exact=True)
    toggle = page.locator("footer [data-w-dropdown-target=toggle]").last
    for _ in range(3):
        toggle.click()
        try:
            button.wait_for(state="visible", timeout=3000)
            break
        except Exception:  # noqa: S112 - dropdown not ready yet: retry
            continue
    button.click()


def write_and_submit(page, newsroom):
    page.goto(f"/admin/pages/add/news/newsarticlepage/{newsroom['index'].pk}/")
    page.fill("#id_title", TITLE)
    page.fill("#id_summary", "支部党员在党员活动室重温入党誓词。")
    page.get_by_role("button", name="选择一个图片").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("tab", name="上传").click()
    modal.locator("input[type=file]").set_input_files(str(newsroom["cover"]))
    modal.locator("input[name=image-chooser-upload-description]").fill(
        "党员面向党旗重温入党誓词"
    )
    modal.locator("input[name=image-chooser-upload-title]").fill("主题党日活动照片")
    modal.get_by_role("button", name="上传").click()
    modal.wait_for(state="hidden")
    page.locator("[data-contentpath=body] button[title='插入区块']").first.click()
    page.get_by_role("option", name="正文段落").click()
    editor = page.locator("[data-contentpath=body] [contenteditable=true]").first
    editor.click()
    editor.type("11月15日,第一党支部组织全体党员重温入党誓词。")
    page.select_option("#id_column", label="基层动态")
    # The writer's branch is preselected.
    assert page.locator("#id_branch").input_value() == str(newsroom["branch"].pk)
    page.locator("[data-contentpath=tags] input:visible").last.type("主题党日")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")  # tag autocomplete done (one SQLite)
    footer_action(page, "提交给新闻审核发布", expect_text="重温入党誓词")
    try:
        page.get_by_text("已创建并提交审核").wait_for()
    except Exception:
        page.screenshot(path="/tmp/e2e-submit-failed.png", full_page=True)
        raise


def test_article_goes_through_review_and_reaches_readers(
    new_page, newsroom, screenshot, live_server
):
    from news.models import NewsArticlePage

    writer = new_page()
    sign_in(writer, "xuanchuan")
    write_and_submit(writer, newsroom)
    article = NewsArticlePage.objects.get(title=TITLE)
    assert not article.live
    assert article.slug.isascii()
    submitted = article.latest_revision.as_object()
    assert "重温入党誓词" in submitted.body[0].value.source
    assert [t.name for t in submitted.tags.all()] == ["主题党日"]
    edit_url = f"/admin/pages/{article.pk}/edit/"
    screenshot(writer, "submitted")
    # A 宣传员 has no publish button.
    writer.goto(edit_url)
    writer.wait_for_load_state("networkidle")
    writer.locator("footer [data-w-dropdown-target=toggle]").last.click()
    labels = writer.locator("footer button").all_inner_texts()
    assert not any(label.strip() == "发布" for label in labels)

    reader = new_page(viewport=PHONE)
    reader.goto("/")
    assert TITLE not in reader.content()

    # The reviewer asks for changes with a comment.
    reviewer = new_page()
    sign_in(reviewer, "shenhe")
    reviewer.goto(edit_url)
    footer_action(reviewer, "请求修改")
    dialog = reviewer.locator(".modal-dialog")
    dialog.locator("textarea[name=comment]").fill("请补充参加人数和活动照片说明")
    dialog.get_by_role("button", name="请求修改").click()
    wait_until(lambda: task_status(article) == "rejected")
    screenshot(reviewer, "rejected")

    # The author sees the comment, fixes the article and resubmits.
    writer.goto(edit_url)
    writer.wait_for_load_state("networkidle")
    assert "请补充参加人数和活动照片说明" in writer.content()
    editor = writer.locator("[data-contentpath=body] [contenteditable=true]").first
    editor.click()
    writer.keyboard.press("End")
    editor.type("全支部28名党员参加。")
    footer_action(writer, "重新提交给审核员审核", expect_text="全支部28名党员参加")
    wait_until(lambda: task_status(article) == "in_progress")

    # The reviewer approves: the article is published.
    reviewer.goto(edit_url)
    footer_action(reviewer, "批准 和发布")
    wait_until(lambda: NewsArticlePage.objects.get(pk=article.pk).live)

    # Readers find it at once, although the pages they saw before were cached.
    reader.goto("/")
    reader.get_by_role("link", name=TITLE).first.wait_for()
    reader.goto("/news/column/jiceng/")
    assert TITLE in reader.content()
    reader.goto(f"/news/tag/{quote('主题党日')}/")
    assert TITLE in reader.content()
    feed = feedparser.parse(reader.request.get("/news/rss/").body())
    assert feed.bozo == 0 and feed.entries[0].title == TITLE
    column_feed = feedparser.parse(reader.request.get("/news/rss/jiceng/").body())
    assert column_feed.entries[0].title == TITLE

    reader.get_by_role("link", name=TITLE).first.click()
    reader.wait_for_load_state()
    assert "全支部28名党员参加" in reader.content()
    assert reader.locator(".article__meta").inner_text().count("第一党支部") >= 1
    assert reader.locator("picture source[type='image/webp']").count() >= 1
    overflow = reader.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0
    screenshot(reader, "article-phone")
    desktop = new_page(viewport=DESKTOP)
    desktop.goto(reader.url)
    screenshot(desktop, "article-desktop")
    desktop.goto("/")
    screenshot(desktop, "home-desktop")
