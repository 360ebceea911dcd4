import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from library import demo
from library.models import AttachmentText, ExtractionStatus, PolicyDocumentPage


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "b@example.com", "x")
    client.force_login(user)
    return client


@pytest.fixture
def failed_record(library_page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = get_document_model()(title="伪装文件")
        document.file.save("fake.pdf", ContentFile(b"<html>x</html>"), save=False)
        document.save()
    return AttachmentText.objects.get(document=document)


@pytest.mark.django_db
def test_extraction_log_lists_failures_with_reasons(admin_client, failed_record):
    html = admin_client.get("/admin/snippets/library/attachmenttext/").content.decode()
    assert "伪装文件" in html and "失败" in html and "HTML" in html
    assert "重新提取" in html


@pytest.mark.django_db
def test_staff_cannot_create_extraction_records_by_hand(admin_client, library_page):
    response = admin_client.get("/admin/snippets/library/attachmenttext/add/")
    assert response.status_code in (302, 403)


@pytest.mark.django_db
def test_retry_from_the_admin_runs_extraction_again(
    admin_client, failed_record, django_capture_on_commit_callbacks
):
    url = f"/admin/library/extraction/{failed_record.pk}/retry/"
    assert "重新提取" in admin_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    failed_record.refresh_from_db()
    assert failed_record.status == ExtractionStatus.FAILED
    assert "HTML" in failed_record.error


@pytest.mark.django_db
def test_page_editor_shows_each_attachments_extraction_state(
    admin_client, library_page, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    page = PolicyDocumentPage.objects.get(external_id="demo-hx-2025-08")
    html = admin_client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert "data-extraction-status" in html
    assert "已完成" in html and "PDF，1 页" in html


@pytest.mark.django_db
def test_categories_are_editable_as_snippets(admin_client, library_page):
    response = admin_client.post(
        "/admin/snippets/library/policycategory/add/",
        {"name": "宣传思想", "parent": "", "sort_order": "5"},
    )
    assert response.status_code == 302
    html = admin_client.get("/admin/snippets/library/policycategory/").content.decode()
    assert "宣传思想" in html
