"""Safe text extraction from attachments (PDF, DOCX, TXT) in a limited child process.

The parent calls ``extract_file(path, limits)``; the work runs in ``python -I
extraction.py PATH`` with CPU, memory and wall-clock limits (home.limited_child), so
a hostile file can at worst fail its own extraction. This module imports nothing from
Django or the project at its top, which keeps the child small and fast to start.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

KIND_PDF = "pdf"
KIND_DOCX = "docx"
KIND_TXT = "txt"
SUPPORTED_KINDS = (KIND_PDF, KIND_DOCX, KIND_TXT)


class ExtractionError(Exception):
    """A file that cannot or must not be extracted; the message is for staff (Chinese)."""


@dataclass(frozen=True)
class Limits:
    """Ceilings applied to every extraction."""

    max_bytes: int = 30 * 1024 * 1024
    max_pages: int = 500
    max_chars: int = 2_000_000
    timeout_seconds: float = 60.0
    memory_bytes: int = 1024 * 1024 * 1024
    zip_max_members: int = 2000
    zip_max_member_bytes: int = 50 * 1024 * 1024
    zip_max_total_bytes: int = 150 * 1024 * 1024
    zip_max_ratio: int = 100


@dataclass
class Extraction:
    """What came out of one file."""

    kind: str
    text: str
    pages: int | None = None
    encoding: str = ""
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


def sniff_kind(head: bytes) -> str:
    """The file kind by content (magic bytes), ignoring its name."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in head[:1024]:
        return KIND_PDF
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    lowered = stripped[:512].lower()
    if lowered.startswith(
        (b"<!doctype html", b"<html", b"<head", b"<script", b"<?xml")
    ):
        return "markup"
    if head.startswith(
        (b"\xd0\xcf\x11\xe0", b"\x7fELF", b"MZ", b"\x89PNG", b"\xff\xd8")
    ):
        return "binary"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return KIND_TXT
    if b"\x00" in head:
        return "binary"
    return KIND_TXT


_KIND_NAMES = {
    "zip": "ZIP 压缩包（不是 Word 文档）",
    "markup": "HTML/XML 网页",
    "binary": "二进制文件",
}


def _check_zip(path: Path, limits: Limits) -> None:
    """Refuse zip bombs and non-DOCX archives before any XML is parsed."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ExtractionError("文件已损坏：不是有效的 DOCX（ZIP）文件。") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise ExtractionError("不是 Word 文档（DOCX）：缺少 word/document.xml。")
        if len(infos) > limits.zip_max_members:
            raise ExtractionError(f"DOCX 内含文件过多（{len(infos)} 个）。")
        total = 0
        for info in infos:
            if info.file_size > limits.zip_max_member_bytes:
                raise ExtractionError(
                    f"DOCX 内的 {info.filename} 解压后过大（{info.file_size} 字节），疑似压缩炸弹。"
                )
            ratio = info.file_size / max(info.compress_size, 1)
            # Small parts of real documents compress very well; only big ones count.
            if ratio > limits.zip_max_ratio and info.file_size > 1024 * 1024:
                raise ExtractionError(
                    f"DOCX 内的 {info.filename} 压缩比异常"
                    f"（{ratio:.0f}:1），疑似压缩炸弹。"
                )
            total += info.file_size
        if total > limits.zip_max_total_bytes:
            raise ExtractionError(
                f"DOCX 解压后总大小过大（{total} 字节），疑似压缩炸弹。"
            )
        _check_xml_members(archive, infos, limits)


def _check_xml_members(archive: zipfile.ZipFile, infos, limits: Limits) -> None:
    """Every XML part must parse without DTDs or entities (billion laughs, XXE)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(info) as member:
            data = member.read(limits.zip_max_member_bytes + 1)
        if len(data) > limits.zip_max_member_bytes:
            raise ExtractionError(
                f"DOCX 内的 {info.filename} 解压后过大，疑似压缩炸弹。"
            )
        try:
            fromstring(data, forbid_dtd=True, forbid_entities=True)
        except DefusedXmlException as exc:
            raise ExtractionError(
                f"DOCX 内的 {info.filename} 含有 DTD 或实体声明，已拒绝（防 XML 实体攻击）。"
            ) from exc
        except Exception as exc:
            raise ExtractionError(
                f"DOCX 内的 {info.filename} 不是有效的 XML。"
            ) from exc


def _extract_docx(path: Path, limits: Limits) -> Extraction:
    _check_zip(path, limits)
    import docx

    document = docx.Document(str(path))
    lines: list[str] = []
    size = 0
    truncated = False
    body = document.element.body
    for block in body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            texts = ["".join(t.text or "" for t in block.iter(_W + "t"))]
        elif tag == "tbl":
            texts = []
            for row in block.iter(_W + "tr"):
                cells = []
                for cell in row.iter(_W + "tc"):
                    cells.append("".join(t.text or "" for t in cell.iter(_W + "t")))
                texts.append("\t".join(cells))
        else:
            continue
        for text in texts:
            lines.append(text)
            size += len(text) + 1
        if size > limits.max_chars:
            truncated = True
            break
    text = _tidy("\n".join(lines))
    return Extraction(KIND_DOCX, text[: limits.max_chars], truncated=truncated)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _extract_pdf(path: Path, limits: Limits) -> Extraction:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("PDF 已加密，无法提取文字。")
        count = len(reader.pages)
    except PdfReadError as exc:
        raise ExtractionError(f"PDF 文件已损坏：{exc}") from exc
    if count > limits.max_pages:
        raise ExtractionError(
            f"PDF 页数过多（{count} 页，上限 {limits.max_pages} 页）。"
        )
    parts: list[str] = []
    size = 0
    truncated = False
    warnings: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:
            warnings.append(f"第 {number} 页无法提取：{type(exc).__name__}")
            continue
        parts.append(text)
        size += len(text)
        if size > limits.max_chars:
            truncated = True
            break
    text = _tidy("\n".join(parts))
    if not text.strip():
        warnings.append("PDF 中没有可提取的文字（可能是扫描件）。")
    return Extraction(
        KIND_PDF,
        text[: limits.max_chars],
        pages=count,
        truncated=truncated,
        warnings=warnings,
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode TXT bytes: BOMs first, then strict UTF-8, then GB18030; (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ExtractionError(
            "无法识别文本文件的编码（支持 UTF-8、GB18030）。"
        ) from exc


def _extract_txt(path: Path, limits: Limits) -> Extraction:
    data = path.read_bytes()
    text, encoding = decode_text(data)
    text = _tidy(text.replace("\r\n", "\n").replace("\r", "\n"))
    truncated = len(text) > limits.max_chars
    return Extraction(
        KIND_TXT, text[: limits.max_chars], encoding=encoding, truncated=truncated
    )


_RADICALS_RE = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")
# Supplement radicals have no NFKC mapping; these are the ones PDF fonts use most.
_SUPPLEMENT = dict(
    zip(
        "⻚⻓⻔⻢⻛⻜⻝⻰⻋⻅⻉⻩⻬⻦⻥⻄⺠⻆⻨⻘⻣⻤⺟⺣",
        "页长门马风飞食龙车见贝黄齐鸟鱼西民角麦青骨鬼母火",
        strict=True,
    )
)


def _radical(match: re.Match) -> str:
    char = match.group()
    return _SUPPLEMENT.get(char) or unicodedata.normalize("NFKC", char)


# C0 controls other than tab and newline: some PDF fonts map a glyph to U+0000
# (PostgreSQL refuses NUL in text), and none of them means anything in a document.
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _tidy(text: str) -> str:
    text = _CONTROLS_RE.sub("", text)
    # Some PDF fonts map CJK ideographs to look-alike Kangxi radicals (⼀ for 一).
    text = _RADICALS_RE.sub(_radical, text)
    lines = (re.sub(r"[ \t\u3000]+$", "", line) for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def extract_in_process(path: Path, limits: Limits) -> Extraction:
    """Extract without a child process; only call this inside the limited child."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ExtractionError(
            f"文件过大（{size / 1048576:.1f} MB，上限 {limits.max_bytes / 1048576:.0f} MB）。"
        )
    if size == 0:
        raise ExtractionError("文件为空。")
    with path.open("rb") as handle:
        head = handle.read(2048)
    kind = sniff_kind(head)
    if kind == KIND_PDF:
        return _extract_pdf(path, limits)
    if kind == "zip":
        return _extract_docx(path, limits)
    if kind == KIND_TXT:
        return _extract_txt(path, limits)
    raise ExtractionError(
        f"不支持的文件内容：{_KIND_NAMES.get(kind, kind)}。只接受 PDF、DOCX、TXT。"
    )


def extract_file(path: str | os.PathLike, limits: Limits | None = None) -> Extraction:
    """Extract text from a local file in a child process with time and memory limits."""
    limits = limits or Limits()
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ExtractionError(
            f"文件过大（{size / 1048576:.1f} MB，上限 {limits.max_bytes / 1048576:.0f} MB）。"
        )
    from home.limited_child import answer, run_script

    try:
        done = run_script(
            __file__, str(path), limits=limits, limits_variable="PORTAL_EXTRACT_LIMITS"
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            f"提取超时（超过 {limits.timeout_seconds:.0f} 秒），文件可能过于复杂或已损坏。"
        ) from exc
    payload = answer(done)
    if payload is None:
        if done.returncode < 0:
            raise ExtractionError("提取进程被终止（超出时间或内存限制）。")
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise ExtractionError(f"提取失败：{tail[0] if tail else '未知错误'}")
    if "error" in payload:
        raise ExtractionError(payload["error"])
    return Extraction(**payload)


def _main(argv: list[str]) -> int:
    raw = os.environ.get("PORTAL_EXTRACT_LIMITS")
    limits = Limits(**json.loads(raw)) if raw else Limits()
    try:
        result = asdict(extract_in_process(Path(argv[1]), limits))
    except ExtractionError as exc:
        result = {"error": str(exc)}
    except MemoryError:
        result = {"error": "提取时内存超出上限，文件可能是压缩炸弹或过于复杂。"}
    except Exception as exc:
        result = {"error": f"无法解析文件：{type(exc).__name__}: {str(exc)[:200]}"}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
