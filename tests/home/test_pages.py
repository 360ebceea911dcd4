import pytest


@pytest.mark.django_db
def test_home_page_renders_in_chinese(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert home_page.title in html
    assert "关怀版" in html


@pytest.mark.django_db
def test_unknown_page_gives_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "您访问的页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_security_headers_are_sent(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_server_error_page_is_chinese_and_needs_no_database(rf):
    from home.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "服务器暂时出错" in response.content.decode()


def test_home_page_links_every_section_of_the_site(client, home_page, settings):
    """网站导航 names each installed section: the pages the installers made and the
    apps' own views (issue 14: three of six were dropped by names that did not exist)."""
    import re

    from django.utils.module_loading import import_string

    pages = [import_string(path)() for path in settings.PORTAL_SITE_SECTIONS]
    html = client.get("/").content.decode()
    nav = re.search(r'<section class="home-sections".*?</section>', html, re.S)
    assert nav, "no 网站导航 on the home page"
    hrefs = re.findall(r'href="([^"]+)"', nav.group(0))
    expected = [page.url for page in pages] + [
        "/mailbox/write/",
        "/mailbox/board/",
        "/search/",
    ]
    assert sorted(hrefs) == sorted(expected)
    for page in pages:
        assert page.title in nav.group(0)


def test_a_navigation_link_to_a_missing_url_name_is_an_error(settings):
    from django.core import checks

    settings.PORTAL_NAV_LINKS = [("不存在", "nowhere:index")]
    errors = [e for e in checks.run_checks() if e.id == "home.E003"]
    assert [e.obj for e in errors] == ["nowhere:index"]


def test_home_page_lists_the_newest_documents_and_courses_for_everyone(
    client, home_page, settings
):
    """A portal's home shows the library's newest documents and the school's courses
    (issue 14, point 1); a course for some branches only and a draft stay off it."""
    import datetime

    from django.core.cache import cache

    from library.services import install_library_section
    from school.services import install_school_section
    from tests.library.factories import PolicyDocumentPageFactory
    from tests.school.factories import CoursePageFactory

    library, school = install_library_section(), install_school_section()
    for day in (1, 2, 3):
        PolicyDocumentPageFactory(
            parent=library,
            title=f"第{day}号文件",
            publish_date=datetime.date(2026, 11, day),
        )
    CoursePageFactory(parent=school, title="党章学习", lecturer="王老师")
    CoursePageFactory(parent=school, title="支部专题", audience_all=False)
    CoursePageFactory(parent=school, title="未发布课程", live=False)
    cache.clear()
    html = client.get("/").content.decode()
    documents = html.index("最新政策文件")
    assert html.index("第3号文件") < html.index("第2号文件") < html.index("第1号文件")
    assert documents < html.index("第3号文件")
    assert library.url in html and school.url in html
    assert "党章学习" in html and "王老师" in html
    assert "支部专题" not in html and "未发布课程" not in html


@pytest.mark.django_db
def test_favicon_ico_is_the_emblem_not_a_404(client):
    import io

    from PIL import Image

    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age=604800" in response["Cache-Control"]
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert (32, 32) in icon.info["sizes"]
    red, green, _blue, _alpha = icon.convert("RGBA").getpixel((2, icon.height // 2))
    assert red > 150 and green < 60  # the red disc at its edge


def test_times_in_pages_are_valid_html_datetimes():
    """<time datetime> to the second in the site's zone (vnu refused microseconds)."""
    import datetime

    from django.utils import timezone

    from home.templatetags.portal_tags import iso

    moment = datetime.datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=datetime.UTC)
    assert iso(moment) == "2026-03-01T09:02:03+08:00"
    assert iso(datetime.date(2026, 3, 1)) == "2026-03-01"
    assert iso(None) == ""
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"


@pytest.mark.django_db
def test_footer_gives_address_phone_and_the_icp_number_linked_to_miit(
    client, home_page
):
    """The footer's 备案号 links to the MIIT register, as the rules ask; it no longer
    tells phone users to use a 1366×768 screen (issue 14, point 12)."""
    from home import demo
    from home.models import SiteSettings

    demo.load()
    demo.load()
    conf = SiteSettings.load()
    assert conf.icp == demo.DEMO_FOOTER["icp"]
    html = client.get("/").content.decode()
    assert f"地址：{conf.address}" in html and f"电话：{conf.phone}" in html
    assert f'<a href="https://beian.miit.gov.cn/" rel="noopener">{conf.icp}</a>' in html
    assert "1366×768" not in html


@pytest.mark.django_db
def test_every_page_type_has_the_same_breadcrumbs_starting_at_home(client, home_page):
    import re

    from library.services import install_library_section
    from school.services import install_school_section
    from tests.library.factories import PolicyDocumentPageFactory
    from tests.school.factories import CoursePageFactory

    library, school = install_library_section(), install_school_section()
    document = PolicyDocumentPageFactory(parent=library, title="党费办法")
    course = CoursePageFactory(parent=school, title="党章学习")
    for page, trail in [
        (library, ["首页", library.title]),
        (document, ["首页", library.title, "党费办法"]),
        (course, ["首页", school.title, "党章学习"]),
    ]:
        html = client.get(page.url).content.decode()
        nav = re.search(r'<nav class="breadcrumbs container".*?</nav>', html, re.S)
        assert nav, page.url
        items = re.findall(r"<li>(?:<a [^>]*>|<span [^>]*>)([^<]+)<", nav.group(0))
        assert items == trail, page.url


@pytest.mark.django_db
def test_wagtails_default_workflow_is_in_chinese_and_reviewers_approve_it():
    """「提交给Moderators approval」 in the admin (issue 14, point 11)."""
    from wagtail.models import GroupApprovalTask, Workflow

    assert not Workflow.objects.filter(name__icontains="approval").exists()
    task = GroupApprovalTask.objects.get(name="默认审核（审核员）")
    assert "审核员" in {group.name for group in task.groups.all()}
    assert Workflow.objects.filter(name="默认审核流程").exists()
