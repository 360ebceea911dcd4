"""make deploy-check: the content the smoke test reads, on the check's own database.

Run inside Django (production settings) after migrate and setup_site:

    deploy/portal-manage shell -c "import runpy; runpy.run_path('deploy/check/seed.py')"

Creates a member account, a published news article, a document in a collection only
logged-in users may read (and a public one), a course whose lesson has a small video
queued for the task worker, a mailbox and an image with a rendition; writes their URLs
as JSON to $PORTAL_DEPLOY_SEED_OUT.
"""

import io
import json
import os
import subprocess
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction

from mailbox.models import Mailbox
from members.models import Member, Organization
from members.roles import MEMBER
from news.models import NewsArticlePage, NewsColumn, NewsIndexPage
from school.models import CoursePage, LessonPage, SchoolIndexPage
from school.services import import_video_file

PROTECTED_BYTES = b"deploy-check: internal document, members only\n" * 4000
PUBLIC_BYTES = b"deploy-check: public document\n" * 100


def member(username: str, password: str) -> Member:
    organization = Organization.add_root(
        code="DC", name="部署检查党委", kind="committee"
    )
    user = get_user_model().objects.create_user(username=username, password=password)
    user.groups.add(Group.objects.get(name=MEMBER))
    return Member.objects.create(
        user=user, real_name="部署检查员", organization=organization, member_no="DC0001"
    )


def article() -> NewsArticlePage:
    index = NewsIndexPage.objects.get()
    page = NewsArticlePage(
        title="部署检查：党支部开展主题党日活动",
        summary="本文由部署检查创建，用于验证生产环境的页面缓存与压缩。",
        column=NewsColumn.objects.order_by("sort_order").first(),
        body=[
            (
                "paragraph",
                "<p>主题党日活动围绕学习党章展开，党员逐条学习、交流体会。</p>",
            )
        ]
        * 12,
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def documents() -> tuple:
    Document = get_document_model()
    private = Collection.get_first_root_node().add_child(name="部署检查（仅党员）")
    CollectionViewRestriction.objects.create(
        collection=private, restriction_type=CollectionViewRestriction.LOGIN
    )
    protected = Document.objects.create(
        title="内部文件",
        file=ContentFile(PROTECTED_BYTES, name="internal-notice.txt"),
        collection=private,
    )
    public = Document.objects.create(
        title="公开文件",
        file=ContentFile(PUBLIC_BYTES, name="public-notice.txt"),
        collection=Collection.get_first_root_node(),
    )
    return protected, public


def image():
    """An image and one rendition: public files nginx serves from /media/."""
    data = io.BytesIO()
    PillowImage.new("RGB", (320, 200), (180, 20, 30)).save(data, "PNG")
    picture = get_image_model()(
        title="部署检查配图", file=ImageFile(data, name="deploy-check.png")
    )
    picture.save()
    return picture, picture.get_rendition("fill-160x100")


def lesson() -> LessonPage:
    with tempfile.TemporaryDirectory(prefix="deploy-check-clip-") as tmp:
        clip = Path(tmp) / "clip.mp4"
        args = [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2",
            "-f", "lavfi", "-i", "sine=frequency=440:d=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(clip),
        ]  # fmt: skip
        subprocess.run(args, check=True, timeout=60)  # noqa: S603
        # Validated like an upload, then queued: the task worker transcodes it.
        video = import_video_file(clip, title="部署检查视频")
    course = CoursePage(title="部署检查课程", slug="deploy-check", summary="部署检查")
    SchoolIndexPage.objects.get().add_child(instance=course)
    course.save_revision().publish()
    page = LessonPage(title="第一讲", slug="lesson-1", video=video)
    course.add_child(instance=page)
    page.save_revision().publish()
    return page


def main() -> None:
    out = Path(os.environ["PORTAL_DEPLOY_SEED_OUT"])
    reader = member(
        os.environ["PORTAL_DEPLOY_MEMBER"], os.environ["PORTAL_DEPLOY_MEMBER_PASSWORD"]
    )
    protected, public = documents()
    mailbox = Mailbox.objects.create(name="部署检查信箱")
    news = article()
    lesson_page = lesson()
    picture, rendition = image()
    out.write_text(
        json.dumps(
            {
                "member_id": reader.pk,
                "member_name": reader.real_name,
                "article_url": news.url,
                "article_title": news.title,
                "protected_document_url": protected.url,
                "protected_document_file": protected.file.name,
                "protected_document_size": len(PROTECTED_BYTES),
                "public_document_url": public.url,
                "public_document_file": public.file.name,
                "lesson_url": lesson_page.url,
                "video_id": lesson_page.video_id,
                "mailbox_id": mailbox.pk,
                "image_url": picture.file.url,
                "rendition_url": rendition.url,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )


main()
