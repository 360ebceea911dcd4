"""Document and image uploads over the configured limit are refused in Chinese, through
every admin upload path (single, multiple, chooser), without storing anything."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection

from tests.config.test_production_settings import DEPLOY_ENV, ROOT, _manage
from tests.members.factories import make_site_admin, make_staff_user

LIMIT = 4096
TOO_BIG = "文件过大"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings, tmp_path):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = LIMIT
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = LIMIT
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def publicist(home_page):
    from news.services import install_news_section

    install_news_section(home_page)  # grants the 宣传员 documents and images
    return make_staff_user("宣传员", username="xc_upload")


def text_file(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("通知.txt", b"x" * size, content_type="text/plain")


def png_file(size: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20), (200, 0, 0)).save(buffer, "PNG")
    data = buffer.getvalue()
    data += b"\0" * max(0, size - len(data))  # padding after IEND: still a PNG
    return SimpleUploadedFile("图.png", data, content_type="image/png")


def root() -> int:
    return Collection.get_first_root_node().pk


@pytest.mark.parametrize("user", ["site_admin", "publicist"])
def test_single_document_upload_over_the_limit_is_refused(client, publicist, user):
    client.force_login(publicist if user == "publicist" else make_site_admin())
    url = reverse("wagtaildocs:add")
    response = client.post(
        url, {"title": "大文件", "file": text_file(LIMIT + 1), "collection": root()}
    )
    assert response.status_code == 200
    assert TOO_BIG in response.content.decode()
    assert "文件扩展" not in response.content.decode()  # no bogus extension error
    assert not get_document_model().objects.exists()
    response = client.post(
        url, {"title": "小文件", "file": text_file(LIMIT), "collection": root()}
    )
    assert response.status_code == 302
    assert get_document_model().objects.get().title == "小文件"


def test_multiple_document_upload_over_the_limit_is_refused(client, publicist):
    client.force_login(publicist)
    response = client.post(
        reverse("wagtaildocs:add_multiple"),
        {"files[]": text_file(LIMIT + 1), "collection": root()},
    )
    answer = json.loads(response.content)
    assert answer["success"] is False
    assert answer["error_message"].startswith(TOO_BIG)
    assert "文件扩展" not in answer["error_message"]
    assert not get_document_model().objects.exists()


def test_chooser_document_upload_over_the_limit_is_refused(client, publicist):
    client.force_login(publicist)
    response = client.post(
        reverse("wagtaildocs_chooser:create"),
        {
            "document-chooser-upload-title": "附件",
            "document-chooser-upload-file": text_file(LIMIT + 1),
            "document-chooser-upload-collection": root(),
        },
    )
    fragment = json.loads(response.content)["htmlFragment"]
    assert TOO_BIG in fragment and "文件扩展" not in fragment
    assert not get_document_model().objects.exists()


def test_replacing_a_documents_file_respects_the_limit(client, publicist):
    client.force_login(make_site_admin())
    client.post(
        reverse("wagtaildocs:add"),
        {"title": "原件", "file": text_file(10), "collection": root()},
    )
    document = get_document_model().objects.get()
    response = client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": "原件", "file": text_file(LIMIT + 1), "collection": root()},
    )
    assert TOO_BIG in response.content.decode()
    document.refresh_from_db()
    assert document.file.size == 10


def test_image_uploads_over_the_limit_are_refused(client, publicist):
    client.force_login(publicist)
    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "大图", "file": png_file(LIMIT + 1), "collection": root()},
    )
    assert TOO_BIG in response.content.decode()
    response = client.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": png_file(LIMIT + 1), "collection": root()},
    )
    assert TOO_BIG in json.loads(response.content)["error_message"]
    response = client.post(
        reverse("wagtailimages_chooser:create"),
        {
            "image-chooser-upload-title": "封面",
            "image-chooser-upload-file": png_file(LIMIT + 1),
            "image-chooser-upload-collection": root(),
        },
    )
    assert TOO_BIG in json.loads(response.content)["htmlFragment"]
    assert not get_image_model().objects.exists()


SHOW_LIMITS = (
    "from django.conf import settings as s; from mailbox.views import max_letter_body;"
    "print(s.WAGTAILDOCS_MAX_UPLOAD_SIZE, s.WAGTAILIMAGES_MAX_UPLOAD_SIZE,"
    " s.PORTAL_VIDEO_MAX_UPLOAD_BYTES, max_letter_body())"
)


def production_limits(**env) -> list[int]:
    result = _manage(
        "shell", "--no-imports", "-c", SHOW_LIMITS, env={**DEPLOY_ENV, **env}
    )
    assert result.returncode == 0, result.stderr
    return [int(n) for n in result.stdout.split()]


def nginx_body_limits() -> dict[str, int]:
    """location -> client_max_body_size in bytes, from the shipped nginx site."""
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    conf = (ROOT / "deploy/nginx/portal.conf").read_text()
    limits = {}
    for location, body in re.findall(
        r"location\s+(?:[=~]\s+)?(\S+)\s*\{([^{}]*)\}", conf
    ):
        size = re.search(r"client_max_body_size\s+(\d+)([kmg]?);", body)
        if size:
            limits[location] = int(size.group(1)) * units[size.group(2)]
    return limits


def test_limits_come_from_the_environment():
    assert production_limits(
        PORTAL_DOCUMENT_MAX_UPLOAD_BYTES="5000000",
        PORTAL_IMAGE_MAX_UPLOAD_BYTES="6000000",
        PORTAL_VIDEO_MAX_UPLOAD_BYTES="7000000",
        PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES="1000000",
    ) == [5_000_000, 6_000_000, 7_000_000, 3 * 1_000_000 + 2 * 1024 * 1024]


def test_the_shipped_proxy_lets_through_what_the_app_accepts():
    documents, images, videos, letter = production_limits()
    nginx = nginx_body_limits()
    overhead = 1024 * 1024
    assert nginx["/admin/documents/"] >= documents + overhead
    assert nginx["/admin/images/"] >= images + overhead
    assert nginx["/admin/snippets/school/video/"] >= videos + overhead
    assert nginx["^/mailbox/(write/)?$"] >= letter


def test_the_default_document_limit_refuses_the_attack_tests_60_mb_upload():
    """The attack test's 宣传员 stored a 60 MB document: the default stops below that,
    and the shipped proxy stops it too (with room for the form overhead only)."""
    documents, *_ = production_limits()
    assert documents < 60 * 1024 * 1024
    assert nginx_body_limits()["/admin/documents/"] < 60 * 1024 * 1024
