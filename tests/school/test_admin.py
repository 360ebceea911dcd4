"""The Video snippet in Wagtail's admin: upload with validation, status column, retry."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from school.models import Video
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db
ADD = "/admin/snippets/school/video/add/"
LIST = "/admin/snippets/school/video/"


@pytest.fixture
def school_admin():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="党校管理员"))
    client = Client()
    client.force_login(user)
    return client, user


def test_school_admin_uploads_a_video_and_it_is_transcoded(
    school_admin, tiny_clip, django_capture_on_commit_callbacks
):
    client, user = school_admin
    upload = SimpleUploadedFile(
        "课程.mp4", tiny_clip.read_bytes(), content_type="video/mp4"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, {"title": "后台上传", "source": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    video = Video.objects.get()
    assert video.status == Video.Status.READY, video.error
    assert video.uploaded_by == user
    assert video.source.name.startswith("school/sources/")
    assert video.source.name.endswith(".mp4") and "课程" not in video.source.name
    listing = client.get(LIST).content.decode()
    assert "后台上传" in listing and "已就绪" in listing


def test_upload_that_is_not_a_video_is_rejected_with_a_chinese_message(school_admin):
    client, _ = school_admin
    upload = SimpleUploadedFile(
        "x.mp4", b"<html>not a video</html>", content_type="video/mp4"
    )
    response = client.post(ADD, {"title": "假视频", "source": upload})
    assert response.status_code == 200
    assert "不是受支持的视频格式" in response.content.decode()
    assert not Video.objects.exists()


def test_failed_video_shows_reason_and_can_be_retried(
    school_admin, tiny_clip, django_capture_on_commit_callbacks
):
    client, _ = school_admin
    from school.services import import_video_file

    with django_capture_on_commit_callbacks(execute=True):
        video = import_video_file(tiny_clip, title="失败的视频")
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.FAILED, error="ffmpeg 出错"
    )
    listing = client.get(LIST).content.decode()
    assert "ffmpeg 出错" in listing
    retry = f"/admin/school/videos/{video.pk}/retry/"
    assert retry in listing
    assert "重新转码" in client.get(retry).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry).status_code == 302
    video.refresh_from_db()
    assert video.status == Video.Status.READY


def test_retry_needs_permission(tiny_clip):
    client = Client()
    client.force_login(UserFactory())
    assert client.post("/admin/school/videos/1/retry/").status_code in (302, 403)


@pytest.mark.parametrize(("slug", "refused"), [("me", True), ("progress", True),
                                              ("videos", False), ("dangzhang", False)])  # fmt: skip
def test_course_slug_taken_by_a_school_route_is_refused(
    school_admin, school_index, slug, refused
):
    """/school/me/ and /school/progress/ answer before Wagtail; /school/videos/ does not."""
    from school.models import CoursePage

    _, user = school_admin
    form_class = CoursePage.get_edit_handler().get_form_class()
    form = form_class(
        data={"title": "课程", "slug": slug, "kind": "required", "audience_all": "on"},
        instance=CoursePage(),
        parent_page=school_index,
        for_user=user,
    )
    form.is_valid()
    errors = form.errors.get("slug", [])
    assert bool(errors) is refused
    if refused:
        assert "已被网上党校的功能页面占用" in errors[0]
