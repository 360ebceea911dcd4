"""No serious or critical axe-core violations on the news portal's pages."""

from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import DESKTOP, PHONE

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
