from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from library.models import (
    AttachmentText,
    ExtractionStatus,
    PolicyAttachment,
)
from library.services import retry_extraction
from search.query import execute, parse
from tests.library.factories import PolicyDocumentPageFactory

DEMO_PDF = Path(__file__).resolve().parents[2] / "library" / "demo_files"
PDF_PHRASE = "会后三个工作日内整理归档"


def _upload(name: str, data: bytes, capture):
    with capture(execute=True):
        document = get_document_model()(title=name)
        document.file.save(name, ContentFile(data), save=False)
        document.save()
    return document


def _pdf_bytes() -> bytes:
    return (DEMO_PDF / "sanhui-yike-jilu-guifan.pdf").read_bytes()


@pytest.mark.django_db
def test_uploaded_pdf_text_is_extracted_in_the_background(
    library_page, django_capture_on_commit_callbacks
):
    document = _upload("记录规范.pdf", _pdf_bytes(), django_capture_on_commit_callbacks)
    record = AttachmentText.objects.get(document=document)
    assert record.status == ExtractionStatus.DONE
    assert (record.kind, record.pages) == ("pdf", 1)
    assert PDF_PHRASE in "".join(record.text.split())


@pytest.mark.django_db
def test_disguised_upload_fails_visibly_with_a_reason(
    library_page, django_capture_on_commit_callbacks
):
    document = _upload(
        "通知.pdf",
        b"<html><body>phish</body></html>",
        django_capture_on_commit_callbacks,
    )
    record = AttachmentText.objects.get(document=document)
    assert record.status == ExtractionStatus.FAILED
    assert "HTML" in record.error


@pytest.mark.django_db
def test_attachment_text_makes_the_document_findable(
    library_page, django_capture_on_commit_callbacks
):
    document = _upload("记录规范.pdf", _pdf_bytes(), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        page = PolicyDocumentPageFactory(
            parent=library_page, title="支部工作制度汇编", body="<p>见附件。</p>"
        )
        page.attachments.add(PolicyAttachment(document=document))
        page.save_revision().publish()
    results = execute(parse(f'"{PDF_PHRASE}"', types=["policy"]))
    assert [h.key for h in results.hits] == [f"policy:{page.pk}"]


@pytest.mark.django_db
def test_replacing_the_file_extracts_again(
    library_page, django_capture_on_commit_callbacks
):
    document = _upload(
        "说明.txt", "第一版说明".encode(), django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        document.file.save(
            "说明2.txt", ContentFile("第二版说明".encode("gb18030")), save=False
        )
        document.file_hash = ""
        document.save()
    record = AttachmentText.objects.get(document=document)
    assert (record.text, record.encoding) == ("第二版说明", "gb18030")


@pytest.mark.django_db
def test_failed_extraction_can_be_retried(
    library_page, django_capture_on_commit_callbacks
):
    document = _upload("a.txt", "党费".encode(), django_capture_on_commit_callbacks)
    record = AttachmentText.objects.get(document=document)
    AttachmentText.objects.filter(pk=record.pk).update(
        status=ExtractionStatus.FAILED, error="模拟失败", text=""
    )
    record.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        retry_extraction(record)
    record.refresh_from_db()
    assert (record.status, record.text, record.error) == (
        ExtractionStatus.DONE,
        "党费",
        "",
    )
