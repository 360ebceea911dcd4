"""backup → damage → restore brings the site's data back (database, files, search,
study records)."""

from __future__ import annotations

import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from wagtail.models import Page

from mailbox.models import Letter
from search.backends import get_backend
from search.query import parse
from search.registry import register
from tests.mailbox.conftest import letter_data, png_bytes
from tests.search.conftest import PageSource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def site_with_content(settings, tmp_path, restore_sources):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mailbox import services
    from mailbox.models import Mailbox

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"
    settings.PORTAL_ASSESSMENT_FILES_ROOT = tmp_path / "assessment-files"
    settings.PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": tmp_path / "search" / "index.sqlite3",
        }
    }
    from search.backends import reset_backends

    reset_backends()
    register(PageSource)
    home = Page.objects.get(depth=2)
    page = home.add_child(
        instance=Page(
            title="备份测试页面", slug="backup-test", search_description="备份"
        )
    )
    page.save_revision().publish()
    box = Mailbox.objects.create(name="党委书记信箱", reply_days=5)
    letter, _code = services.submit_letter(
        letter_data(box),
        files=[SimpleUploadedFile("photo.png", png_bytes(), "image/png")],
        ip="192.0.2.10",
        user=None,
    )
    upload = Path(settings.MEDIA_ROOT) / "documents" / "通知.txt"
    upload.parent.mkdir(parents=True)
    upload.write_text("党费收缴通知", encoding="utf-8")
    yield {
        "page": page,
        "letter": letter,
        "upload": upload,
        "study": study_records(home),
        "tmp": tmp_path,
    }
    reset_backends()


def study_records(home) -> dict:
    """A member who watched a whole one-lesson course through the heartbeat service:
    progress, a study day, a completion with its 学时 and the yearly summary."""
    from school.models import CoursePage, LessonPage, SchoolIndexPage
    from school.services import record_heartbeat
    from tests.members.factories import MemberFactory
    from tests.school.factories import VideoFactory

    school = home.add_child(instance=SchoolIndexPage(title="网上党校", slug="school"))
    course = school.add_child(instance=CoursePage(title="党章学习", slug="dangzhang"))
    lesson = course.add_child(
        instance=LessonPage(
            title="第一讲", slug="l1", video=VideoFactory(duration=20, title="党章")
        )
    )
    member = MemberFactory()
    start = timezone.now() - timedelta(minutes=1)
    record_heartbeat(
        member, lesson, intervals=[[0, 10]], position=10, playing=True, now=start
    )
    outcome = record_heartbeat(
        member,
        lesson,
        intervals=[[10, 20]],
        position=20,
        playing=False,
        now=start + timedelta(seconds=10),
    )
    assert outcome.completed and outcome.course_completed
    return {"member": member.pk, **study_snapshot(member.pk)}


def study_snapshot(member_id: int) -> dict:
    """The member's study records as plain values, to compare after a restore."""
    from school.models import CourseCompletion, LessonProgress, StudyDay, StudyYear

    return {
        "progress": list(
            LessonProgress.objects.filter(member_id=member_id).values_list(
                "lesson_id", "intervals", "watched_seconds", "completed_at"
            )
        ),
        "days": list(
            StudyDay.objects.filter(member_id=member_id).values_list("day", "seconds")
        ),
        "completions": list(
            CourseCompletion.objects.filter(member_id=member_id).values_list(
                "course_id", "year", "credit_hours", "completed_at"
            )
        ),
        "years": list(
            StudyYear.objects.filter(member_id=member_id).values_list(
                "year", "hours", "courses", "study_days"
            )
        ),
    }


def test_backup_then_restore_brings_everything_back(site_with_content):
    from school.models import CourseCompletion, LessonProgress, StudyDay, StudyYear

    page, letter, upload = (site_with_content[k] for k in ("page", "letter", "upload"))
    study = site_with_content["study"]
    member_id = study.pop("member")
    assert all(study.values()), study  # one row of each kind of study record
    attachment = letter.attachments.get()
    attachment_bytes = Path(attachment.file.path).read_bytes()
    call_command("backup", output=str(site_with_content["tmp"] / "out"))
    archive = next((site_with_content["tmp"] / "out").glob("portal-backup-*.tar.gz"))
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "media/documents/通知.txt"} <= names

    # Damage: content deleted, files gone, something new written after the backup.
    Page.objects.get(pk=page.pk).delete()
    Letter.objects.all().delete()
    for model in (LessonProgress, StudyDay, CourseCompletion, StudyYear):
        model.objects.all().delete()
    upload.unlink()
    Path(attachment.file.path).unlink()
    Page.objects.get(depth=2).add_child(
        instance=Page(title="备份之后的页面", slug="later")
    )

    call_command("restore", str(archive), yes=True)

    assert Page.objects.get(pk=page.pk).title == "备份测试页面"
    assert not Page.objects.filter(slug="later").exists()
    restored = Letter.objects.get(pk=letter.pk)
    assert restored.tracking_number == letter.tracking_number
    assert Path(restored.attachments.get().file.path).read_bytes() == attachment_bytes
    assert upload.read_text(encoding="utf-8") == "党费收缴通知"
    assert study_snapshot(member_id) == study
    hits = get_backend().search(parse("备份测试页面")).hits
    assert [hit.title for hit in hits] == ["备份测试页面"]


def test_a_damaged_archive_restores_nothing(site_with_content):
    call_command("backup", output=str(site_with_content["tmp"] / "out"))
    archive = next((site_with_content["tmp"] / "out").glob("portal-backup-*.tar.gz"))
    damaged = archive.with_name("damaged.tar.gz")
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/"):
                data = b"tampered"
                member.size = len(data)
            import io

            target.addfile(member, io.BytesIO(data))
    Page.objects.get(depth=2).add_child(instance=Page(title="之后", slug="after"))
    with pytest.raises(CommandError, match="校验值不符"):
        call_command("restore", str(damaged), yes=True)
    assert Page.objects.filter(slug="after").exists()
