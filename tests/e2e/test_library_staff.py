"""Staff attach a PDF to a policy document; readers then find it by the PDF's words."""

import pytest

from tests.members.factories import UserFactory

from .conftest import DESKTOP
from .steps import sign_in

PHRASE = "廉洁从业承诺书应当于每年一月底前签订完毕"


@pytest.fixture
def staff_user(db):
    return UserFactory(username="wenjian", is_superuser=True, is_staff=True)


@pytest.fixture
def pdf_file(browser, tmp_path):
    """A real PDF printed by Chromium, with Chinese text embedded."""
    page = browser.new_page()
    page.set_content(
        "<html lang='zh-CN'><body style='font-family:\"Noto Sans CJK SC\"'>"
        "<h1>廉洁从业承诺书签订说明</h1>"
        f"<p>各单位{PHRASE}，由党支部统一收集后报集团纪委备案。</p>"
        "</body></html>"
    )
    path = tmp_path / "lianjie-chengnuo.pdf"
    page.pdf(path=str(path), format="A4")
    page.close()
    return path


def test_staff_upload_pdf_and_find_document_by_its_text(
    new_page, demo_library, staff_user, pdf_file, screenshot
):
    from library.models import AttachmentText, ExtractionStatus, PolicyDocumentPage

    document = PolicyDocumentPage.objects.get(external_id="demo-hx-2026-01")
    page = new_page(viewport=DESKTOP)

    page.goto(f"/wenjianku/?q=%22{PHRASE}%22")
    assert page.locator(".search-result").count() == 0

    sign_in(page, "wenjian")

    page.goto(f"/admin/pages/{document.pk}/edit/")
    page.get_by_role("button", name="增加 附件").click()
    page.locator(
        "#id_attachments-0-document-chooser [data-chooser-action-choose]"
    ).click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("tab", name="上传").click()
    modal.locator("input[name='document-chooser-upload-title']").fill(
        "廉洁从业承诺书签订说明"
    )
    modal.locator("input[name='document-chooser-upload-file']").set_input_files(
        str(pdf_file)
    )
    modal.locator("form[data-chooser-modal-creation-form] button[type=submit]").click()
    page.locator("#id_attachments-0-document-chooser").get_by_text(
        "廉洁从业承诺书签订说明"
    ).wait_for()

    page.locator("[data-w-dropdown-target='toggle']", has_text="").last.click()
    page.locator("button[name='action-publish']").click()
    page.wait_for_url("**/admin/pages/*/")
    screenshot(page, "published")

    record = AttachmentText.objects.get(document__title="廉洁从业承诺书签订说明")
    assert record.status == ExtractionStatus.DONE
    assert record.kind == "pdf"

    page.goto(f"/admin/pages/{document.pk}/edit/")
    status = page.locator("[data-extraction-status]")
    assert "已完成" in status.inner_text()

    page.goto("/wenjianku/")
    page.locator("#search-q").fill(f'"{PHRASE}"')
    page.locator(".search-form__submit").click()
    page.wait_for_url("**q=*")
    titles = page.locator(".search-result__title")
    assert titles.all_inner_texts() == ["集团党风廉政建设责任制实施办法"]
    titles.first.get_by_role("link").click()
    page.wait_for_load_state()
    match = page.locator(".policy-attachments__match")
    assert "廉洁从业承诺书签订说明" in match.inner_text()
    assert match.locator("mark").count() >= 1
    screenshot(page, "document-with-attachment-match")
