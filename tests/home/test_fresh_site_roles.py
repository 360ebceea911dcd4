"""A fresh site (migrate + setup_site + createsuperuser, no demo content) works for
every role, each doing its job through the admin's own forms with CSRF checks on:
the 站点管理员 creates the accounts and the mailbox, 宣传员 writes and submits news,
审核员 approves it, 党校管理员 uploads a video and publishes a course, 信箱办理人
answers a letter sent through the public form and 领导 signs the answer off."""

import io
import json
import os
import re
from html import unescape
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, PageLogEntry, Site
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from mailbox.models import Letter, LetterReply, LetterStatus, Mailbox
from members.models import Member, SecurityEvent
from news.models import NewsArticlePage, NewsColumn, NewsIndexPage
from school.models import CoursePage, LessonPage, SchoolIndexPage, Video
from tests.audit_log import logged_actions
from tests.school.conftest import make_clip

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PASSWORD = "Xin-zhan-2026!"
OWN_PASSWORD = "Zi-ji-de-2026!"  # what each role sets at first login
BASE = "https://dj.example.org"
# username: (role, family name, given name)
ROLES = {
    "xuanchuan": ("宣传员", "李", "晓红"),
    "shenhe": ("审核员", "张", "卫东"),
    "dangxiao": ("党校管理员", "刘", "志强"),
    "xinxiang": ("信箱办理人", "陈", "立新"),
    "lingdao": ("领导", "赵", "振华"),
}


class Browser:
    """A test client that posts forms the way a browser does: CSRF token from the
    page it came from, cookies kept between requests. Each POST ends like a served
    request: its transaction's on-commit work (mail, transcoding) runs."""

    def __init__(self, on_commit):
        self.client = Client(enforce_csrf_checks=True)
        self.on_commit = on_commit
        self.html = ""

    def get(self, url, status=200):
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        self.html = response.content.decode()
        return response

    def token(self) -> str:
        match = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', self.html
        ) or re.search(r'"CSRF_TOKEN": "([^"]+)"', self.html)
        assert match, "the page has no CSRF token"
        return match.group(1)

    def post(self, url, data=None, *, follow=False):
        """POST to url with the token of the page last fetched."""
        payload = {**(data or {}), "csrfmiddlewaretoken": self.token()}
        with self.on_commit(execute=True):
            response = self.client.post(url, payload, follow=follow)
        if follow:
            self.html = response.content.decode()
        return response

    def submit(self, url, data=None, **kwargs):
        """Open the form at url, then post it back."""
        self.get(url)
        return self.post(url, data, **kwargs)

    def login(self, username: str) -> "Browser":
        """Log in; a password the 站点管理员 typed is changed first, as it must be."""
        user = get_user_model().objects.get(username=username)
        password = OWN_PASSWORD if user.check_password(OWN_PASSWORD) else PASSWORD
        response = self.submit(
            "/admin/login/", {"username": username, "password": password}
        )
        assert response.status_code == 302, response.content.decode()[:1500]
        change = reverse("members:password_change")
        response = self.client.get("/admin/")
        if response.status_code == 302 and response["Location"] == change:
            response = self.submit(
                change,
                {
                    "old_password": PASSWORD,
                    "new_password1": OWN_PASSWORD,
                    "new_password2": OWN_PASSWORD,
                },
            )
            assert response.status_code == 302, errors_in(response)
        self.get("/admin/")
        return self


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 675), (180, 30, 40)).save(out, "PNG")
    return out.getvalue()


def chooser(browser: Browser, url: str) -> str:
    """The HTML of an admin chooser modal (it comes wrapped in JSON)."""
    return json.loads(browser.get(url).content)["html"]


def messages_in(html: str) -> str:
    return unescape(" ".join(re.findall(r'class="messages".*?</ul>', html, re.S)))


def errors_in(response) -> str:
    """The field errors of a form page that came back instead of a redirect."""
    html = response.content.decode()
    found = re.findall(r'class="error-message"[^>]*>(.*?)</', html, re.S)
    return unescape(" | ".join(" ".join(e.split()) for e in found)) or html[:3000]


@pytest.fixture
def browser(django_capture_on_commit_callbacks):
    """browser() for a visitor, browser(username) for a user logged in to the admin."""

    def open_browser(username: str | None = None) -> Browser:
        opened = Browser(django_capture_on_commit_callbacks)
        return opened.login(username) if username else opened

    return open_browser


@pytest.fixture
def fresh_site(settings, browser):
    """migrate (the test database) + setup_site + createsuperuser; nothing else."""
    settings.PORTAL_BASE_URL = settings.WAGTAILADMIN_BASE_URL = BASE
    assert not NewsIndexPage.objects.exists() and not Mailbox.objects.exists()
    assert not get_user_model().objects.exists() and not Member.objects.exists()
    call_command("setup_site", name="测试集团党建网", verbosity=0)
    with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": PASSWORD}):
        call_command(
            "createsuperuser",
            interactive=False,
            username="admin",
            email="admin@example.org",
            verbosity=0,
        )
    assert Site.objects.get(is_default_site=True).root_url == BASE
    assert not NewsArticlePage.objects.exists() and not Video.objects.exists()
    return browser("admin")


@pytest.fixture
def staff(fresh_site):
    """The 站点管理员 creates one account per role in 设置 → 用户, as an admin would."""
    from django.contrib.auth.models import Group

    for username, (role, family_name, given_name) in ROLES.items():
        response = fresh_site.submit(
            reverse("wagtailusers_users:add"),
            {
                "username": username,
                "email": f"{username}@example.org",
                "first_name": given_name,
                "last_name": family_name,
                "password1": PASSWORD,
                "password2": PASSWORD,
                "groups": [Group.objects.get(name=role).pk],
            },
        )
        assert response.status_code == 302, errors_in(response)
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=list(ROLES))
    }
    for username, (role, *_) in ROLES.items():
        assert list(users[username].groups.values_list("name", flat=True)) == [role]
        assert SecurityEvent.objects.filter(
            action=SecurityEvent.Action.GROUP_CHANGE,
            username="admin",
            detail=f"{username} 加入 {role}",
        ).exists()
    return users


def test_publicist_writes_reviewer_publishes(staff, browser, client, mailoutbox):
    index = NewsIndexPage.objects.get()
    column = NewsColumn.objects.get(slug="jiceng")

    publicist = browser("xuanchuan")
    # The password the 站点管理员 typed had to be replaced at first login.
    assert (
        staff["xuanchuan"]
        .__class__.objects.get(pk=staff["xuanchuan"].pk)
        .check_password(OWN_PASSWORD)
    )
    response = publicist.submit(
        reverse("wagtailimages:add"),
        {
            "title": "新站封面",
            "file": SimpleUploadedFile("cover.png", png(), content_type="image/png"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 302, errors_in(response)
    cover = get_image_model().objects.get(title="新站封面")
    add = reverse("wagtailadmin_pages:add", args=["news", "newsarticlepage", index.pk])
    response = publicist.submit(
        add,
        nested_form_data(
            {
                "title": "新站第一篇新闻",
                "slug": "",
                "subtitle": "",
                "summary": "新站上线。",
                "body": streamfield([("paragraph", rich_text("<p>正文。</p>"))]),
                "column": column.pk,
                "branch": "",
                "author": "宣传员",
                "source": "党委宣传部",
                "tags": "",
                "cover": cover.pk,
                "comments": inline_formset([]),
                "carousel_items": inline_formset([]),
                "action-submit": "submit",
            }
        ),
    )
    assert response.status_code == 302, errors_in(response)
    article = NewsArticlePage.objects.get(title="新站第一篇新闻")
    assert not article.live
    assert article.workflow_in_progress
    assert article.current_workflow_task.name == "审核员审核"
    (submitted,) = [m for m in mailoutbox if m.to == ["shenhe@example.org"]]
    assert f"{BASE}/admin/pages/{article.pk}/edit/" in submitted.body
    mailoutbox.clear()

    reviewer = browser("shenhe")
    approve = re.search(
        rf'data-workflow-action-url="(/admin/pages/workflow/action/{article.pk}/approve/\d+/)"(?! data-launch-modal)',
        reviewer.html,
    )
    assert approve, "the dashboard lists the article awaiting review"
    response = reviewer.post(approve.group(1))
    assert response.status_code == 302

    article.refresh_from_db()
    assert article.live and not article.workflow_in_progress
    assert article.cover == cover
    page = client.get(article.url)
    assert page.status_code == 200 and "新站第一篇新闻" in page.content.decode()
    assert article.url.startswith("/news/")
    assert f'<link rel="canonical" href="{BASE}{article.url}">' in page.content.decode()
    (approved_mail,) = [m for m in mailoutbox if m.to == ["xuanchuan@example.org"]]
    assert f"{BASE}{article.url}" in approved_mail.body
    actions = set(
        PageLogEntry.objects.filter(page=article).values_list("action", flat=True)
    )
    assert {"wagtail.create", "wagtail.workflow.start", "wagtail.publish"} <= actions
    approved = PageLogEntry.objects.get(page=article, action="wagtail.workflow.approve")
    assert approved.user == staff["shenhe"]


def test_publicist_submits_a_library_document_reviewer_publishes(
    staff, browser, client
):
    """The library has the 审核员 review too (not Wagtail's default moderators group)."""
    from library.models import PolicyDocumentPage, PolicyLibraryPage

    library = PolicyLibraryPage.objects.get()
    document = PolicyDocumentPage(
        title="新站第一份制度文件",
        doc_number="党发〔2026〕1号",
        issuer="集团党委",
        live=False,
        owner=staff["xuanchuan"],
    )
    library.add_child(instance=document)
    revision = document.save_revision(user=staff["xuanchuan"])
    workflow = document.get_workflow()
    assert workflow is not None and workflow.name == "文件库审核发布"
    workflow.start(document, staff["xuanchuan"])
    document.refresh_from_db()
    assert not document.live and document.current_workflow_task.name == "审核员审核"

    publicist = browser("xuanchuan")
    edit = reverse("wagtailadmin_pages:edit", args=[document.pk])
    assert (
        f"/admin/pages/workflow/action/{document.pk}/approve/"
        not in publicist.get(edit).content.decode()
    )
    reviewer = browser("shenhe")
    approve = re.search(
        rf'data-workflow-action-url="(/admin/pages/workflow/action/{document.pk}/approve/\d+/)"(?! data-launch-modal)',
        reviewer.html,
    )
    assert approve, "the reviewer's dashboard lists the document awaiting review"
    assert reviewer.post(approve.group(1)).status_code == 302
    document.refresh_from_db()
    assert document.live and document.live_revision_id == revision.pk
    assert client.get(document.url).status_code == 200


def test_school_admin_uploads_a_video_and_publishes_a_course(
    staff, browser, client, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    school = SchoolIndexPage.objects.get()
    teacher = browser("dangxiao")

    clip = make_clip(tmp_path / "第一课.mp4")
    response = teacher.submit(
        "/admin/snippets/school/video/add/",
        {
            "title": "党章导读",
            "source": SimpleUploadedFile(
                "第一课.mp4", clip.read_bytes(), content_type="video/mp4"
            ),
        },
    )
    assert response.status_code == 302, errors_in(response)
    video = Video.objects.get()
    assert video.status == Video.Status.READY, video.error
    assert video.uploaded_by == staff["dangxiao"]
    teacher.get("/admin/snippets/school/video/")
    assert "党章导读" in teacher.html and "已就绪" in teacher.html

    # A cover for the course and courseware for the lesson, uploaded where the
    # choosers of the page forms offer them.
    response = teacher.submit(
        reverse("wagtailimages:add"),
        {
            "title": "党章学习封面",
            "file": SimpleUploadedFile("cover.png", png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302, errors_in(response)
    cover = get_image_model().objects.get(title="党章学习封面")
    response = teacher.submit(
        reverse("wagtaildocs:add"),
        {
            "title": "第一讲课件",
            "file": SimpleUploadedFile(
                "kejian.txt", "党章第一章 总纲".encode(), content_type="text/plain"
            ),
        },
    )
    assert response.status_code == 302, errors_in(response)
    courseware = get_document_model().objects.get(title="第一讲课件")
    assert cover.collection.name == courseware.collection.name == "网上党校"
    assert "党章学习封面" in chooser(teacher, "/admin/images/chooser/")
    assert "第一讲课件" in chooser(teacher, "/admin/documents/chooser/")

    add_course = reverse(
        "wagtailadmin_pages:add", args=["school", "coursepage", school.pk]
    )
    response = teacher.submit(
        add_course,
        nested_form_data(
            {
                "title": "党章学习",
                "slug": "dangzhang",
                "summary": "学习党章。",
                "lecturer": "党校",
                "kind": "required",
                "audience_all": "on",
                "credit_hours": "",
                "cover": cover.pk,
                "comments": inline_formset([]),
                "action-publish": "action-publish",
            }
        ),
    )
    assert response.status_code == 302, errors_in(response)
    course = CoursePage.objects.get(title="党章学习")
    assert course.live

    add_lesson = reverse(
        "wagtailadmin_pages:add", args=["school", "lessonpage", course.pk]
    )
    response = teacher.submit(
        add_lesson,
        nested_form_data(
            {
                "title": "第一讲",
                "slug": "l1",
                "video": video.pk,
                "summary": "",
                "attachments": streamfield([("document", courseware.pk)]),
                "transcript": rich_text(""),
                "comments": inline_formset([]),
                "action-publish": "action-publish",
            }
        ),
    )
    assert response.status_code == 302, errors_in(response)
    lesson = LessonPage.objects.get(title="第一讲")
    assert lesson.live and lesson.video == video
    assert course.cover == cover

    html = client.get(course.url).content.decode()
    assert "党章学习" in html and "第一讲" in html and 'class="course__cover"' in html
    lesson_html = client.get(lesson.url).content.decode()
    assert f'href="{courseware.url}">第一讲课件</a>' in lesson_html
    assert PageLogEntry.objects.filter(
        page=course, action="wagtail.publish", user=staff["dangxiao"]
    ).exists()
    teacher.get(reverse("school_study_report"))
    assert "学习统计" in teacher.html


def test_handler_answers_a_letter_and_leader_signs_it_off(
    staff, fresh_site, browser, tmp_path, settings, mailoutbox
):
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"
    response = fresh_site.submit(
        "/admin/snippets/mailbox/mailbox/add/",
        {
            "name": "党委书记信箱",
            "description": "",
            "leaders": [staff["lingdao"].pk],
            "handlers": [staff["xinxiang"].pk],
            "reply_days": 5,
            "is_active": "on",
            "sort_order": 0,
        },
    )
    assert response.status_code == 302, errors_in(response)
    mailbox = Mailbox.objects.get()

    writer = browser()
    writer.get(reverse("mailbox:write"))
    token = re.search(r'name="submission_token" value="([^"]+)"', writer.html)
    response = writer.post(
        reverse("mailbox:write"),
        {
            "mailbox": mailbox.pk,
            "letter_type": "consult",
            "subject": "关于党费缴纳的咨询",
            "content": "请问退休党员的党费怎样计算？",
            "real_name": "李四",
            "phone": "13812345678",
            "email": "writer@example.org",
            "privacy": "on",
            "website": "",
            "submission_token": token.group(1),
        },
    )
    assert response.status_code == 302, errors_in(response)
    receipt = writer.get(reverse("mailbox:sent")).content.decode()
    letter = Letter.objects.get()
    number, code = (
        re.search(rf'data-testid="{name}">([^<]+)<', receipt).group(1)
        for name in ("tracking-number", "query-code")
    )
    assert number == letter.tracking_number
    (new_letter_mail,) = [m for m in mailoutbox if m.to == ["xinxiang@example.org"]]
    assert f"{BASE}/admin/mailbox/letters/{letter.pk}/" in new_letter_mail.body

    handler = browser("xinxiang")
    assert reverse("mailbox_letters:index") in handler.html  # the dashboard's to-do
    detail = reverse("mailbox_letters:inspect", args=[letter.pk])
    handler.get(detail)
    assert "关于党费缴纳的咨询" in handler.html
    for action, data in (
        ("accept", {}),
        ("draft", {"body": "按退休费总额的 0.5% 按月缴纳。"}),
    ):
        response = handler.post(
            reverse(f"mailbox_letters:{action}", args=[letter.pk]),
            data,
            follow=True,
        )
        assert "操作已完成" in messages_in(handler.html), handler.html[:3000]
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_PROGRESS
    reply = LetterReply.objects.get(letter=letter)
    assert reply.status == LetterReply.Status.AWAITING

    leader = browser("lingdao")
    assert "flag=sign_off" in leader.html  # the dashboard's to-do links to it
    leader.get(detail)
    assert "按退休费总额的 0.5% 按月缴纳。" in leader.html
    leader.post(
        reverse("mailbox_letters:sign_off", args=[letter.pk]),
        {"reply": reply.pk, "comment": "同意"},
        follow=True,
    )
    assert "操作已完成" in messages_in(leader.html), leader.html[:3000]
    letter.refresh_from_db()
    reply.refresh_from_db()
    assert letter.status == LetterStatus.REPLIED
    assert (reply.status, reply.reviewed_by) == (
        LetterReply.Status.SIGNED,
        staff["lingdao"],
    )
    assert f"{BASE}/mailbox/track/" in mailoutbox[-1].body
    assert mailoutbox[-1].to == ["writer@example.org"]

    handler.get(detail)
    handler.post(
        reverse("mailbox_letters:close", args=[letter.pk]),
        follow=True,
    )
    assert "操作已完成" in messages_in(handler.html)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CLOSED

    writer.get(reverse("mailbox:track"))
    response = writer.post(
        reverse("mailbox:track"), {"number": number, "code": code}, follow=True
    )
    assert "按退休费总额的 0.5% 按月缴纳。" in writer.html and "已办结" in writer.html
    actions = set(logged_actions(letter))
    assert {
        "mailbox.submit",
        "mailbox.accept",
        "mailbox.draft_reply",
        "mailbox.sign_off",
        "mailbox.close",
    } <= actions
