"""No serious or critical axe-core violations on the news portal's pages."""

from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import DESKTOP, FULL_CHROMIUM, PHONE

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def news_site(transactional_db):
    from home.models import HomeCarouselItem, HomePage
    from news.models import NewsColumn
    from news.services import install_news_section
    from tests.members.factories import OrganizationFactory
    from tests.news.factories import make_article, make_image

    home = HomePage.objects.get()
    index = install_news_section(home)
    branch = OrganizationFactory(
        parent=OrganizationFactory(name="集团党委"), name="机关第一党支部"
    )
    columns = list(NewsColumn.objects.all())
    articles = []
    for n in range(8):
        image = make_image(
            f"图{n}", color=(150 + n * 10, 40, 40), description="活动照片"
        )
        articles.append(
            make_article(
                index,
                f"支部工作动态第{n}期",
                column=columns[n % len(columns)],
                branch=branch,
                cover=image,
                tags=["主题党日"],
                summary="支部组织党员开展学习活动。",
                days_ago=n,
                body=[
                    ("paragraph", "<p>支部组织党员学习。</p>"),
                    (
                        "image",
                        {"image": image, "alt": "党员学习现场", "caption": "现场"},
                    ),
                    ("quote", {"text": "不忘初心,牢记使命。", "attribution": ""}),
                ],
            )
        )
    for order, article in enumerate(articles[:3]):
        HomeCarouselItem.objects.create(page=home, article=article, sort_order=order)
    return {"article": articles[1], "branch": branch}


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_news_pages_have_no_serious_accessibility_violations(new_page, news_site):
    urls = [
        "/",
        "/news/",
        "/news/column/jiceng/",
        f"/news/tag/{quote('主题党日')}/",
        f"/news/branch/{news_site['branch'].pk}/",
        news_site["article"].url,
    ]
    problems = {}
    for viewport in (DESKTOP, PHONE):
        page = new_page(viewport=viewport, bypass_csp=True)  # to inject axe
        for url in urls:
            page.goto(url)
            found = serious_violations(page)
            if found:
                problems[f"{url} @{viewport['width']}"] = found
    assert problems == {}


@pytest.fixture
def large_text_page(browser, live_server, tmp_path):
    """A phone whose reader set Chromium's text size to 200 % (32 px instead of 16):
    the setting lives in the profile, so this browser has a profile of its own."""
    import json

    (tmp_path / "Default").mkdir()
    (tmp_path / "Default" / "Preferences").write_text(
        json.dumps({"webkit": {"webprefs": {"default_font_size": 32}}})
    )
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path),
        executable_path=FULL_CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        viewport=PHONE,
        base_url=live_server.url,
        locale="zh-CN",
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_nothing_overflows_a_phone_with_doubled_text(
    large_text_page, news_site, screenshot
):
    from home.models import HomeCarouselItem, HomePage
    from news.models import NewsIndexPage
    from tests.news.factories import make_article, make_image

    long = make_article(
        NewsIndexPage.objects.get(),
        "集团党委召开二〇二六年第四季度党建工作推进会暨基层党组织书记抓党建述职评议会",
        cover=make_image("推进会", description="会场"),
        summary="会议听取了各党总支书记的述职。",
    )
    HomeCarouselItem.objects.create(page=HomePage.objects.get(), article=long)
    page = large_text_page
    urls = ["/", "/news/", long.url, "/school/", "/mailbox/write/", "/mailbox/board/",
            "/accounts/login/", "/search/?q=%E5%85%9A%E5%BB%BA"]  # fmt: skip
    too_wide = {}
    for care in (False, True):
        for url in urls:
            page.goto(url)
            if care:
                page.evaluate("document.documentElement.dataset.care = 'on'")
            root = page.evaluate("getComputedStyle(document.documentElement).fontSize")
            assert float(root.removesuffix("px")) >= 33  # the setting took effect
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 0:
                too_wide[f"{url} {'关怀版' if care else ''}"] = overflow
        if care:
            # Whole headlines in 关怀版: no list title cut with an ellipsis.
            page.goto("/news/")
            page.evaluate("document.documentElement.dataset.care = 'on'")
            cut = page.evaluate(
                "[...document.querySelectorAll('.title-list a')]"
                ".filter(a => a.scrollWidth > a.clientWidth + 1 || "
                "a.scrollHeight > a.clientHeight + 1).length"
            )
            assert cut == 0
    assert too_wide == {}
    # The carousel's caption is whole under the picture.
    page.goto("/")
    caption = page.locator(".headline.is-active .headline__caption")
    box, track = caption.bounding_box(), page.locator(".headlines").bounding_box()
    assert box["y"] >= track["y"] and box["y"] + box["height"] <= (
        track["y"] + track["height"] + 1
    )
    screenshot(page, "home-200")
