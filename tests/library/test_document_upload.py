"""Document uploads in the admin refuse PDFs with active content (issue 12, point 4).

The samples are built with pypdf (tests/home/pdf_samples.py); each goes through the
admin's real forms: adding one document, adding several, replacing a file.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection

from tests.home import pdf_samples

pytestmark = pytest.mark.django_db


def _add(client, name, data, title="第一讲课件"):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": title,
            "collection": Collection.get_first_root_node().pk,
            "tags": "党章,学习",
            "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
        },
    )


def test_clean_pdf_is_stored(admin_client):
    response = _add(admin_client, "kejian.pdf", pdf_samples.web_link_pdf())
    assert response.status_code == 302
    assert get_document_model().objects.filter(title="第一讲课件").exists()


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        ("object_stream_javascript", "JavaScript 脚本"),
        ("escaped_javascript", "JavaScript 脚本"),
        ("escaped_launch", "Launch"),
        ("embedded_file", "嵌入的文件或文件附件"),
        ("xfa_form", "XFA 动态表单"),
    ],
)
def test_pdf_with_active_content_is_refused_and_the_form_kept(
    admin_client, sample, found
):
    response = _add(admin_client, "kejian.pdf", getattr(pdf_samples, sample)())
    html = response.content.decode()
    assert response.status_code == 200
    assert "“kejian.pdf”含有不允许的内容" in html and found in html
    assert 'value="第一讲课件"' in html  # the title is still filled in
    assert "文件扩展" not in html  # no bogus extension error beside the reason
    assert not get_document_model().objects.exists()


def test_pdf_content_under_another_name_is_checked(admin_client):
    response = _add(admin_client, "notes.txt", pdf_samples.object_stream_javascript())
    assert "JavaScript 脚本" in response.content.decode()
    assert not get_document_model().objects.exists()


def test_unreadable_pdf_is_refused(admin_client):
    response = _add(admin_client, "broken.pdf", b"%PDF-1.7\n<< /Type /Catalog\n")
    assert "“broken.pdf”不是完整的 PDF 文件" in response.content.decode()
    assert not get_document_model().objects.exists()


def test_multiple_upload_refuses_with_the_reason(admin_client):
    response = admin_client.post(
        reverse("wagtaildocs:add_multiple"),
        {
            "collection": Collection.get_first_root_node().pk,
            "files[]": SimpleUploadedFile("launch.pdf", pdf_samples.escaped_launch()),
        },
    )
    payload = response.json()
    assert payload["success"] is False
    assert "Launch" in payload["error_message"]
    assert not get_document_model().objects.exists()


def test_replacing_the_file_is_checked_too(admin_client):
    document = get_document_model().objects.create(
        title="制度汇编", file=ContentFile(pdf_samples.plain_pdf(), name="zhidu.pdf")
    )
    before = document.file.name
    response = admin_client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {
            "title": "制度汇编",
            "collection": document.collection_id,
            "file": SimpleUploadedFile(
                "zhidu.pdf", pdf_samples.names_tree_javascript()
            ),
        },
    )
    assert "JavaScript 脚本" in response.content.decode()
    document.refresh_from_db()
    assert document.file.name == before
