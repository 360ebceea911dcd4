"""Attachments are judged by their bytes; lies about the type are refused."""

import io
import zipfile

import pytest
from PIL import Image

from mailbox.uploads import UploadRejected, check_upload

from .conftest import docx_bytes, jpeg_bytes, pdf_bytes, png_bytes


def test_real_files_of_each_kind_are_accepted():
    assert check_upload("申请.pdf", pdf_bytes()).kind == "pdf"
    assert check_upload("照片.JPG", jpeg_bytes()).kind == "jpeg"
    assert check_upload("截图.png", png_bytes()).kind == "png"
    assert check_upload("材料.docx", docx_bytes()).kind == "docx"


def test_html_named_pdf_is_refused():
    with pytest.raises(UploadRejected, match="不是 PDF"):
        check_upload("report.pdf", b"<html><script>alert(1)</script></html>")


def test_svg_with_script_is_refused_whatever_its_name():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name in ("image.png", "image.svg", "image.jpg"):
        with pytest.raises(UploadRejected):
            check_upload(name, svg)


def test_pdf_html_polyglot_is_refused():
    data = pdf_bytes().replace(b"%%EOF", b"<html><script>alert(1)</script>%%EOF")
    with pytest.raises(UploadRejected, match="网页代码"):
        check_upload("x.pdf", data)


def test_pdf_with_javascript_action_is_refused():
    data = pdf_bytes().replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>"
    )
    with pytest.raises(UploadRejected):
        check_upload("x.pdf", data)


def test_truncated_pdf_is_refused():
    with pytest.raises(UploadRejected):
        check_upload("x.pdf", b"%PDF-1.7\n1 0 obj\n")


def test_png_with_appended_html_is_rewritten_without_it():
    data = png_bytes() + b"<html><script>alert(1)</script></html>"
    checked = check_upload("x.png", data)
    assert b"<script" not in checked.data
    Image.open(io.BytesIO(checked.data)).verify()


def test_jpeg_zip_polyglot_loses_the_zip():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("evil.js", "alert(1)")
    checked = check_upload("x.jpg", jpeg_bytes() + archive.getvalue())
    assert b"evil.js" not in checked.data


def test_image_metadata_is_removed():
    image = Image.new("RGB", (20, 20))
    exif = image.getexif()
    exif[0x010E] = "GPS secret location"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    checked = check_upload("x.jpg", buffer.getvalue())
    assert b"GPS secret" not in checked.data


def test_extension_must_match_content():
    with pytest.raises(UploadRejected, match="扩展名"):
        check_upload("x.pdf", png_bytes())


def test_decompression_bomb_image_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 10 * 1024 * 1024
    with pytest.raises(UploadRejected, match=r"像素过多|不是有效的图片"):
        check_upload("bomb.png", buffer.getvalue())


def _docx_with(extra: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for item in source.infolist():
            zf.writestr(item.filename, source.read(item.filename))
        for name, data in extra.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_zip_bomb_disguised_as_docx_is_refused():
    data = _docx_with({"word/media/pad.bin": b"\0" * (80 * 1024 * 1024)})
    assert len(data) < 10 * 1024 * 1024
    with pytest.raises(UploadRejected, match="压缩炸弹"):
        check_upload("bomb.docx", data)


def test_zip_that_is_not_a_word_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("index.html", "<script>alert(1)</script>")
    with pytest.raises(UploadRejected):
        check_upload("x.docx", out.getvalue())


def test_macro_docx_is_refused():
    with pytest.raises(UploadRejected, match="宏"):
        check_upload("x.docx", _docx_with({"word/vbaProject.bin": b"macro"}))


def test_file_over_10_mb_is_refused():
    with pytest.raises(UploadRejected, match="10 MB"):
        check_upload("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
