import csv
import json
import shutil

import pytest
from django.core.management import call_command
from wagtail.models import Page

from library.importers import import_documents
from library.models import (
    AttachmentText,
    ExtractionStatus,
    PolicyAttachment,
    PolicyDocumentPage,
    Validity,
)
from search.query import execute, parse
from tests.home import pdf_samples

from .conftest import SAMPLE, corpus_records, write_jsonl


def _search(text, **filters):
    return execute(parse(text, types=["policy"], filters=filters, page_size=20))


@pytest.fixture
def records():
    return corpus_records(40, with_doc_number=8)


@pytest.mark.django_db
def test_jsonl_gz_import_creates_live_pages_with_metadata(
    library_page, records, tmp_path
):
    path = write_jsonl(tmp_path / "docs.jsonl.gz", records, gz=True)
    report = import_documents(path, library=library_page)
    assert (report.created, report.problems) == (40, [])
    assert PolicyDocumentPage.objects.live().child_of(library_page).count() == 40
    numbered = next(r for r in records if r["doc_number"])
    page = PolicyDocumentPage.objects.get(external_id=numbered["id"])
    assert page.title == numbered["title"]
    assert page.doc_number_serial is not None
    assert page.issuer == (numbered["issuer"] or "")
    assert page.history_lines == numbered["history"]
    assert page.category.path_label.startswith(numbered["category"])
    assert page.url == f"{library_page.url}{page.slug}/"
    assert Page.find_problems() == ([], [], [], [], [])


@pytest.mark.django_db
def test_imported_documents_are_indexed_and_found(library_page, records, tmp_path):
    path = write_jsonl(tmp_path / "docs.jsonl", records)
    report = import_documents(path, library=library_page)
    assert report.indexed == 40
    target = records[3]
    results = _search(f'"{target["title"]}"')
    assert results.hits and results.hits[0].external_id == target["id"]
    results = _search(target["title"], issuer=[target["issuer"]])
    assert all(h.extra["issuer"] == target["issuer"] for h in results.hits)


@pytest.mark.django_db
def test_reimport_updates_by_external_id_without_duplicates(
    library_page, records, tmp_path
):
    path = write_jsonl(tmp_path / "docs.jsonl", records)
    import_documents(path, library=library_page)
    pks = set(PolicyDocumentPage.objects.values_list("pk", flat=True))

    again = import_documents(path, library=library_page)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 40)

    records[0]["title"] = records[0]["title"] + "(修订稿)"
    records[1]["body"] = records[1]["body"] + "\n新增的一条:附加说明文字。"
    changed = import_documents(write_jsonl(path, records), library=library_page)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 2, 38)
    assert set(PolicyDocumentPage.objects.values_list("pk", flat=True)) == pks
    page = PolicyDocumentPage.objects.get(external_id=records[0]["id"])
    assert page.title.endswith("(修订稿)")
    assert _search("新增的一条").total == 1
    assert Page.find_problems() == ([], [], [], [], [])


@pytest.mark.django_db
def test_bad_rows_are_reported_in_chinese_and_the_rest_imported(
    library_page, records, tmp_path
):
    good = records[:3]
    rows = [
        good[0],
        "{not json",
        {**good[1], "id": ""},
        {**good[1], "date": "2020-13-45"},
        {**good[1], "body": "   "},
        good[1],
        {**good[2], "history": "不是列表"},
        good[2],
        {**good[2], "title": "重复编号的另一条"},
    ]
    report = import_documents(
        write_jsonl(tmp_path / "bad.jsonl", rows), library=library_page
    )
    assert report.created == 3
    reasons = {p.location: p.reason for p in report.problems}
    assert "不是有效的 JSON" in reasons["第 2 行"]
    assert reasons["第 3 行"] == "缺少 id"
    assert "日期格式错误" in reasons["第 4 行"]
    assert "正文 body 为空" in reasons["第 5 行"]
    assert "沿革 history 应为文本列表" in reasons["第 7 行"]
    assert "重复" in reasons["第 9 行"]


@pytest.mark.django_db
def test_older_versions_of_a_title_are_marked_amended(library_page, records, tmp_path):
    old = {**records[0], "id": "lr-old-version", "date": "2001-01-01", "history": []}
    import_documents(
        write_jsonl(tmp_path / "v.jsonl", [old, records[0]]), library=library_page
    )
    assert PolicyDocumentPage.objects.get(external_id="lr-old-version").validity == (
        Validity.AMENDED
    )
    assert PolicyDocumentPage.objects.get(external_id=records[0]["id"]).validity == (
        Validity.CURRENT
    )


@pytest.mark.django_db
def test_folder_import_attaches_files_with_their_text(library_page, tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE, folder)
    rows = list(csv.DictReader((SAMPLE / "metadata.csv").open(encoding="utf-8")))
    report = import_documents(folder, library=library_page)
    assert (report.created, report.problems) == (len(rows), [])
    gb = next(r for r in rows if r["encoding"] == "gb18030")
    page = PolicyDocumentPage.objects.get(external_id=gb["doc_id"])
    assert page.body_text() and "\ufffd" not in page.body_text()
    assert not page.body_text().startswith(gb["title"])
    attachment = PolicyAttachment.objects.get(page=page)
    assert attachment.text_in_body
    record = AttachmentText.objects.get(document=attachment.document)
    assert (record.status, record.encoding) == (ExtractionStatus.DONE, "gb18030")
    pdf_row = next(r for r in rows if r["filename"].endswith(".pdf"))
    assert _search(f'"{pdf_row["title"]}"').hits[0].external_id == pdf_row["doc_id"]

    again = import_documents(folder, library=library_page)
    assert (again.created, again.unchanged) == (0, len(rows))
    assert PolicyAttachment.objects.count() == len(rows)


@pytest.mark.django_db
def test_folder_import_skips_missing_and_disguised_files(library_page, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = list(csv.DictReader((SAMPLE / "metadata.csv").open(encoding="utf-8")))[:2]
    shutil.copy(SAMPLE / rows[0]["filename"], folder)
    (folder / "fake.pdf").write_text("<html><body>不是 PDF</body></html>")
    extra = {**rows[1], "filename": "fake.pdf", "doc_id": "fake"}
    missing = {**rows[1], "filename": "nowhere.docx", "doc_id": "gone"}
    with (folder / "metadata.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([rows[0], extra, missing])
    report = import_documents(folder, library=library_page)
    assert report.created == 1
    reasons = " ".join(p.reason for p in report.problems)
    assert "fake.pdf" in reasons and "HTML" in reasons
    assert "找不到文件 nowhere.docx" in reasons


@pytest.mark.django_db
def test_folder_import_refuses_pdfs_with_active_content(library_page, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = list(csv.DictReader((SAMPLE / "metadata.csv").open(encoding="utf-8")))[:2]
    shutil.copy(SAMPLE / rows[0]["filename"], folder)
    (folder / "hidden.pdf").write_bytes(pdf_samples.object_stream_javascript())
    extra = {**rows[1], "filename": "hidden.pdf", "doc_id": "hidden"}
    with (folder / "metadata.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([rows[0], extra])
    report = import_documents(folder, library=library_page)
    assert report.created == 1
    reasons = " ".join(p.reason for p in report.problems)
    assert "hidden.pdf：含有不允许的内容：JavaScript 脚本" in reasons


@pytest.mark.django_db
def test_command_prints_summary_and_problems(library_page, records, tmp_path, capsys):
    path = write_jsonl(tmp_path / "docs.jsonl", [*records[:5], json.dumps([1, 2])])
    call_command("import_policy_documents", str(path), "--no-progress")
    out, err = capsys.readouterr()
    assert "新建 5 篇" in out
    assert "跳过 第 6 行：不是 JSON 对象" in err


@pytest.mark.django_db
def test_reimport_over_a_staff_edited_page_publishes_a_new_revision(
    library_page, records, tmp_path
):
    path = write_jsonl(tmp_path / "docs.jsonl", records[:2])
    import_documents(path, library=library_page)
    page = PolicyDocumentPage.objects.get(external_id=records[0]["id"])
    page.index_number = "000014349/2024-00001"
    page.save_revision().publish()

    records[0]["body"] += "\n补充条款文字。"
    report = import_documents(write_jsonl(path, records[:2]), library=library_page)
    assert report.updated == 1
    page.refresh_from_db()
    latest = page.get_latest_revision_as_object()
    assert "补充条款文字" in latest.body
    assert latest.index_number == "000014349/2024-00001"
    assert page.live_revision_id == page.latest_revision_id
