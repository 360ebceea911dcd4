import csv
import io
import zipfile

import pytest

from library.extraction import (
    ExtractionError,
    Limits,
    decode_text,
    extract_file,
    sniff_kind,
)

from .conftest import SAMPLE

SAMPLE_ROWS = list(csv.DictReader((SAMPLE / "metadata.csv").open(encoding="utf-8")))

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>正文</w:t></w:r></w:p></w:body></w:document>"
)


def _docx(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("row", SAMPLE_ROWS, ids=[r["filename"] for r in SAMPLE_ROWS])
def test_every_sample_file_yields_its_title_and_text(row):
    result = extract_file(SAMPLE / row["filename"])
    assert result.kind == row["filename"].rsplit(".", 1)[1]
    assert row["title"] in "".join(result.text.split())
    assert len(result.text) > 200
    # The PDFs' font maps a glyph to U+0000, which PostgreSQL refuses in text.
    assert "\x00" not in result.text


def test_gb18030_text_with_crlf_is_decoded():
    row = next(r for r in SAMPLE_ROWS if r["encoding"] == "gb18030")
    result = extract_file(SAMPLE / row["filename"])
    assert result.encoding == "gb18030"
    assert "\r" not in result.text
    assert result.text.startswith(row["title"])


def test_utf8_bom_and_plain_gb18030_are_recognised():
    assert decode_text("\ufeff党费".encode()) == ("党费", "utf-8-sig")
    assert decode_text("党费收缴".encode("gb18030")) == ("党费收缴", "gb18030")


def test_pdf_pages_are_counted():
    row = next(r for r in SAMPLE_ROWS if r["filename"].endswith(".pdf"))
    result = extract_file(SAMPLE / row["filename"])
    assert result.pages and result.pages >= 1


def test_html_renamed_to_pdf_is_refused_by_content(tmp_path):
    fake = tmp_path / "通知.pdf"
    fake.write_text(
        "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    )
    with pytest.raises(ExtractionError, match="HTML"):
        extract_file(fake)


def test_executable_renamed_to_txt_is_refused(tmp_path):
    fake = tmp_path / "说明.txt"
    fake.write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    with pytest.raises(ExtractionError, match="二进制"):
        extract_file(fake)


def test_zip_bomb_disguised_as_docx_is_refused_before_parsing(tmp_path):
    bomb = _docx(
        tmp_path / "bomb.docx",
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": DOCUMENT,
            "word/media/image1.bin": b"\0" * (60 * 1024 * 1024),
        },
    )
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(ExtractionError, match="压缩炸弹"):
        extract_file(bomb)


def test_highly_compressed_member_is_refused(tmp_path):
    bomb = _docx(
        tmp_path / "ratio.docx",
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": DOCUMENT,
            "word/media/a.bin": b"A" * (8 * 1024 * 1024),
        },
    )
    with pytest.raises(ExtractionError, match="压缩比异常"):
        extract_file(bomb)


def test_xml_entity_expansion_in_docx_is_refused(tmp_path):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    evil = _docx(
        tmp_path / "laughs.docx",
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": laughs},
    )
    with pytest.raises(ExtractionError, match="实体"):
        extract_file(evil)


def test_external_entity_in_docx_is_refused(tmp_path):
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
    )
    evil = _docx(
        tmp_path / "xxe.docx",
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": xxe},
    )
    with pytest.raises(ExtractionError, match="实体"):
        extract_file(evil)


def test_plain_zip_is_not_taken_for_a_docx(tmp_path):
    archive = _docx(tmp_path / "a.docx", {"readme.txt": b"hello"})
    with pytest.raises(ExtractionError, match="不是 Word 文档"):
        extract_file(archive)


def test_oversized_file_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes("党".encode() * 2000)
    with pytest.raises(ExtractionError, match="文件过大"):
        extract_file(big, Limits(max_bytes=1000))


def test_too_many_pages_are_refused():
    row = next(r for r in SAMPLE_ROWS if r["filename"].endswith(".pdf"))
    pages = extract_file(SAMPLE / row["filename"]).pages
    with pytest.raises(ExtractionError, match="页数过多"):
        extract_file(SAMPLE / row["filename"], Limits(max_pages=pages - 1))


def test_extraction_that_runs_too_long_is_stopped():
    row = next(r for r in SAMPLE_ROWS if r["filename"].endswith(".pdf"))
    with pytest.raises(ExtractionError, match="超时"):
        extract_file(SAMPLE / row["filename"], Limits(timeout_seconds=0.01))


def test_long_text_is_truncated_at_the_character_limit(tmp_path):
    text = tmp_path / "long.txt"
    text.write_text("党费" * 5000, encoding="utf-8")
    result = extract_file(text, Limits(max_chars=1000))
    assert result.truncated
    assert len(result.text) == 1000


def test_sniffing_ignores_names():
    assert sniff_kind(b"%PDF-1.7\n") == "pdf"
    assert sniff_kind(b"PK\x03\x04rest") == "zip"
    assert sniff_kind(io.BytesIO("通知".encode()).read()) == "txt"
    assert sniff_kind(b"  <html><body>") == "markup"
