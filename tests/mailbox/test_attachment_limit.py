"""Letter attachments follow PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES, and so does the body
limit the letter form answers 413 above (and nginx's matches)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mailbox import services
from mailbox.models import Letter
from mailbox.views import max_letter_body

from .conftest import png_bytes


def post_letter(client, mailbox, files, **extra):
    data = {
        "mailbox": mailbox.pk,
        "letter_type": "suggest",
        "subject": "附件大小",
        "content": "见附件。",
        "privacy": "on",
        "submission_token": services.new_submission_token(),
        "website": "",
        "attachments": files,
    }
    return client.post(reverse("mailbox:write"), data, **extra)


@pytest.fixture
def small_limit(settings):
    settings.PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES = 4096
    return 4096


def padded_png(size: int) -> bytes:
    data = png_bytes()
    return data + b"\0" * (size - len(data))  # bytes after IEND: still a PNG


def test_an_attachment_over_the_configured_limit_is_refused(
    client, mailbox, small_limit
):
    files = [SimpleUploadedFile("材料.png", padded_png(small_limit + 1))]
    response = post_letter(client, mailbox, files)
    html = response.content.decode()
    assert response.status_code == 200
    assert "附件“材料.png”超过 4 KB。" in html
    assert "每个不超过 4 KB" in html  # the help text follows the setting too
    assert Letter.objects.count() == 0
    files = [SimpleUploadedFile("材料.png", padded_png(small_limit))]
    assert post_letter(client, mailbox, files).status_code == 302
    assert Letter.objects.count() == 1


def test_the_body_limit_follows_the_attachment_limit(client, mailbox, small_limit):
    assert max_letter_body() == 3 * small_limit + 2 * 1024 * 1024
    response = client.post(
        reverse("mailbox:write"),
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=zzz",
        CONTENT_LENGTH=str(max_letter_body() + 1),
    )
    assert response.status_code == 413
    assert "每个不超过 4 KB" in response.content.decode()


def test_the_service_refuses_what_the_form_would(submit, small_limit):
    upload = SimpleUploadedFile("材料.png", padded_png(small_limit + 1))
    with pytest.raises(Exception, match="超过 4 KB"):
        submit(files=[upload], subject="附件大小", ip="192.0.2.50")
    assert Letter.objects.count() == 0


def test_defaults_match_the_shipped_proxy(settings):
    assert settings.PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024
    assert max_letter_body() == 32 * 1024 * 1024
