"""Checks letter attachments by their content and rewrites images (no Django here).

Only PDF, JPEG, PNG and DOCX are accepted, recognised by their bytes, never by the
name or the browser's content type. PDFs are parsed in a limited child process and
refused if they carry active content (home.pdf_safety); images are decoded and
re-encoded (dropping metadata and anything appended to them); DOCX archives are
decompressed with a cap so a zip bomb is refused before it fills memory.
"""

import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from home.pdf_safety import PdfRefused, check_pdf

# The default; the site's limit is PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES.
MAX_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 30_000_000
MAX_DOCX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_DOCX_ENTRIES = 2000
MAX_DOCX_RATIO = 150

EXTENSIONS = {
    "pdf": ("pdf",),
    "jpeg": ("jpg", "jpeg"),
    "png": ("png",),
    "docx": ("docx",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class UploadRejected(ValueError):
    """An upload we refuse; the message is shown to the writer as it is."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks: its kind, safe bytes and a display name."""

    kind: str
    data: bytes
    display_name: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind][0]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def sniff(data: bytes) -> str | None:
    """The kind of file these bytes start like, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    return None


def clean_display_name(name: str, extension: str) -> str:
    """A short, harmless file name to show staff (the stored name is generated)."""
    stem = unicodedata.normalize("NFKC", name).rsplit(".", 1)[0]
    stem = re.sub(r"[^\w\u4e00-\u9fff\-（）() ]+", "_", stem).strip(" ._") or "附件"
    return f"{stem[:60]}.{extension}"


def size_text(limit: int) -> str:
    """A byte limit as messages say it: 10 MB, 1.5 MB, 512 KB."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    return f"{max(limit // 1024, 1)} KB"


def check_upload(name: str, data: bytes, *, max_bytes: int = MAX_BYTES) -> CheckedFile:
    """Accept one upload or raise UploadRejected with a Chinese reason."""
    if len(data) > max_bytes:
        raise UploadRejected(f"附件“{name}”超过 {size_text(max_bytes)}。")
    if not data:
        raise UploadRejected(f"附件“{name}”是空文件。")
    kind = sniff(data)
    if kind is None:
        raise UploadRejected(
            f"附件“{name}”不是 PDF、JPG、PNG 或 DOCX 文件（按文件内容判断）。"
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS[kind]:
        raise UploadRejected(f"附件“{name}”的扩展名与文件内容不符。")
    if kind == "pdf":
        _check_pdf(name, data)
    elif kind == "docx":
        _check_docx(name, data)
    else:
        data = _reencode_image(name, data, kind, max_bytes)
    return CheckedFile(kind, data, clean_display_name(name, EXTENSIONS[kind][0]))


def _check_pdf(name: str, data: bytes) -> None:
    try:
        check_pdf(data)
    except PdfRefused as exc:
        raise UploadRejected(f"附件“{name}”{exc}") from exc


def _check_docx(name: str, data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UploadRejected(f"附件“{name}”不是有效的 DOCX 文件。") from exc
    if len(entries) > MAX_DOCX_ENTRIES:
        raise UploadRejected(f"附件“{name}”结构异常（文件过多），不能上传。")
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise UploadRejected(f"附件“{name}”不是有效的 DOCX 文件。")
    if any(n.lower().endswith(("vbaproject.bin", ".exe", ".js")) for n in names):
        raise UploadRejected(f"附件“{name}”含有宏或可执行内容，不能上传。")
    total = 0
    try:
        for entry in entries:
            with archive.open(entry) as stream:
                while chunk := stream.read(64 * 1024):
                    total += len(chunk)
                    if total > MAX_DOCX_UNCOMPRESSED:
                        raise UploadRejected(
                            f"附件“{name}”解压后过大（疑似压缩炸弹），不能上传。"
                        )
        content_types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise UploadRejected(f"附件“{name}”不是有效的 DOCX 文件。") from exc
    if total > MAX_DOCX_RATIO * max(len(data), 64 * 1024):
        raise UploadRejected(f"附件“{name}”压缩比异常（疑似压缩炸弹），不能上传。")
    if b"wordprocessingml.document.main+xml" not in content_types:
        raise UploadRejected(f"附件“{name}”不是 Word 文档（DOCX）。")
    if b"macroEnabled" in content_types:
        raise UploadRejected(f"附件“{name}”含有宏，不能上传。")


def _reencode_image(name: str, data: bytes, kind: str, max_bytes: int) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise UploadRejected(
                    f"附件“{name}”像素过多（{width}×{height}），请缩小后再上传。"
                )
            image.load()
            image = ImageOps.exif_transpose(image)
    except UploadRejected:
        raise
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise UploadRejected(f"附件“{name}”不是有效的图片。") from exc
    output = io.BytesIO()
    if kind == "jpeg":
        image.convert("RGB").save(output, "JPEG", quality=88, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(output, "PNG", optimize=True)
    result = output.getvalue()
    if len(result) > max_bytes:
        raise UploadRejected(
            f"附件“{name}”处理后超过 {size_text(max_bytes)}，请压缩后再上传。"
        )
    return result
