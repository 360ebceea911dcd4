"""Refuses PDFs that carry active content, judged by parsing them in a limited child.

A byte search for ``/JavaScript`` misses ``/J#61vaScript`` (a name escape) and
anything inside a compressed object stream. Here pypdf parses the file, which
decodes names and object streams, and every object is judged by what it is:

1. the objects a conforming reader sees (the trailer and every cross-reference
   entry, object streams resolved); and
2. every ``N G obj`` the bytes hold, and the objects packed in every object stream
   found that way, as a viewer that repairs a damaged file would see them.

Refused, wherever they sit (catalog /OpenAction, /AA of pages, annotations and
fields, the /Names trees, annotations' /A, AcroForm, file specifications): see
``FINDINGS``. A file that cannot be parsed, is encrypted or has no page is
refused too. ``check_pdf`` runs the work in ``python -I pdf_safety.py`` with CPU,
memory and wall-clock limits (home.limited_child), so a PDF bomb costs one child
process a few seconds; this module imports nothing from Django or the project at its
top, which keeps that child small.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import IO

# What is refused, by kind, in the words shown to the person uploading.
FINDINGS = {
    "javascript": "JavaScript 脚本",
    "launch": "启动程序或打开文件的动作（Launch）",
    "embedded_file": "嵌入的文件或文件附件",
    "file_reference": "对其他文件的引用（文件规格）",
    "uri": "指向本地文件或非网页地址的链接",
    "remote_goto": "跳转到其他文档的动作（GoToR/GoToE）",
    "import_data": "导入数据的动作（ImportData）",
    "submit_form": "提交表单的动作（SubmitForm）",
    "rich_media": "多媒体或 3D 内容（RichMedia/3D，可含脚本）",
    "xfa": "XFA 动态表单",
    "markup": "网页代码（HTML/SVG/脚本标记）",
}

# Values of /S (action type), /Type and /Subtype that are refused, lower-cased.
_NAMED_KINDS = {
    "/javascript": "javascript",
    "/launch": "launch",
    "/gotor": "remote_goto",
    "/gotoe": "remote_goto",
    "/importdata": "import_data",
    "/submitform": "submit_form",
    "/richmedia": "rich_media",
    "/richmediaexecute": "rich_media",
    "/3d": "rich_media",
    "/embeddedfile": "embedded_file",
    "/fileattachment": "embedded_file",
    "/filespec": "file_reference",
}
# Dictionary keys that are refused whatever their value, lower-cased.
_KEY_KINDS = {
    "/js": "javascript",
    "/javascript": "javascript",
    "/xfa": "xfa",
    "/ef": "embedded_file",
    "/embeddedfiles": "embedded_file",
    "/richmediacontent": "rich_media",
    "/richmediasettings": "rich_media",
}
_WEB_LINK = re.compile(r"[\x00-\x20]*(https?|mailto):", re.IGNORECASE)
# Markup a browser would sniff as a web page (five bytes or more, so compressed
# data does not match by chance).
_MARKUP = re.compile(rb"<(?:html|!doctype|script|iframe|svg[\s/>])", re.IGNORECASE)
_WHITESPACE = rb"[\x00\t\n\x0c\r ]"
_OBJECT_HEADER = re.compile(
    rb"(?<![0-9])[0-9]{1,10}"
    + _WHITESPACE
    + rb"+[0-9]{1,5}"
    + _WHITESPACE
    + rb"+obj(?![A-Za-z0-9])(?:"
    + _WHITESPACE
    + rb"|%[^\r\n]*)*"
)

UNREADABLE = "无法解析（文件已损坏或不是有效的 PDF），不能上传。"
ENCRYPTED = "已加密，请上传未加密的 PDF。"
NO_PAGES = "没有页面，不是有效的 PDF。"
TOO_COMPLEX = "结构过于复杂，无法完成安全检查，不能上传。"
MEMORY = "安全检查超出内存上限（疑似 PDF 炸弹），不能上传。"
STOPPED = "安全检查被中止（超出时间或内存上限，疑似 PDF 炸弹），不能上传。"


class PdfRefused(ValueError):
    """A PDF that must not be stored; the message (Chinese) says why.

    It names no file: callers put the file's name in front of it.
    """


@dataclass(frozen=True)
class Limits:
    """Ceilings on the work spent on one PDF."""

    max_bytes: int = 200 * 1024 * 1024
    max_objects: int = 500_000
    max_nodes: int = 5_000_000
    max_decoded_bytes: int = 100 * 1024 * 1024
    timeout_seconds: float = 20.0
    memory_bytes: int = 1024 * 1024 * 1024


def refusal_message(kinds: list[str]) -> str:
    """The reason shown for a PDF with active content, naming each kind found."""
    found = "、".join(FINDINGS[kind] for kind in kinds)
    return (
        f"含有不允许的内容：{found}。"
        "请删除这些内容后再上传（例如用“打印为 PDF”另存一份）。"
    )


def looks_like_pdf(head: bytes) -> bool:
    """Whether these first bytes (1 KB is enough) are those of a PDF."""
    return b"%PDF-" in head[:1024]


class _Budget:
    """Counts objects, visited values and decoded bytes; stops at the limits."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.timeout_seconds * 0.8
        self.objects = 0
        self.nodes = 0
        self.decoded = 0

    def object(self) -> None:
        self.objects += 1
        if self.objects > self.limits.max_objects:
            raise PdfRefused(
                f"对象过多（超过 {self.limits.max_objects} 个），{TOO_COMPLEX}"
            )
        self._clock()

    def node(self) -> None:
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise PdfRefused(TOO_COMPLEX)
        if self.nodes % 4096 == 0:
            self._clock()

    def decode(self, size: int) -> None:
        self.decoded += size
        if self.decoded > self.limits.max_decoded_bytes:
            raise PdfRefused(f"解压后过大，{TOO_COMPLEX}")

    def _clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise PdfRefused(
                f"安全检查超时（超过 {self.limits.timeout_seconds:.0f} 秒），{TOO_COMPLEX}"
            )


class _Inspector:
    def __init__(self, reader, budget: _Budget):
        from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

        self.reader = reader
        self.budget = budget
        self.found: set[str] = set()
        self._dict, self._array, self._stream = (
            DictionaryObject,
            ArrayObject,
            StreamObject,
        )

    def walk(self, root) -> None:
        """Judge every dictionary within root; references are not followed (every
        object is visited on its own)."""
        stack = [root]
        while stack:
            value = stack.pop()
            self.budget.node()
            if isinstance(value, self._dict):
                self._judge(value)
                stack.extend(dict.values(value))
            elif isinstance(value, self._array):
                stack.extend(list.__iter__(value))

    def _judge(self, entries) -> None:
        lowered = {str(key).lower(): value for key, value in dict.items(entries)}
        for key in lowered.keys() & _KEY_KINDS.keys():
            self.found.add(_KEY_KINDS[key])
        for key in ("/s", "/type", "/subtype"):
            kind = _NAMED_KINDS.get(self._name(lowered.get(key)))
            if kind:
                self.found.add(kind)
        if self._name(lowered.get("/s")) == "/uri" and not self._is_web_link(
            lowered.get("/uri")
        ):
            self.found.add("uri")
        if isinstance(entries, self._stream) and "/f" in lowered:
            # A stream whose data lives in another file.
            self.found.add("file_reference")

    def _resolve(self, value):
        self.budget.node()
        return value.get_object() if hasattr(value, "get_object") else value

    def _name(self, value) -> str:
        value = self._resolve(value)
        return str(value).lower() if isinstance(value, str) else ""

    def _is_web_link(self, target) -> bool:
        target = self._resolve(target)
        if isinstance(target, bytes):
            target = target.decode("latin-1")
        return isinstance(target, str) and bool(_WEB_LINK.match(target))

    def objects_in_stream(self, stream) -> None:
        """Parse and judge every object packed in an object stream."""
        from pypdf.generic import NumberObject, read_object

        data = stream.get_data()
        self.budget.decode(len(data))
        first = self._resolve(dict.get(stream, "/First"))
        count = self._resolve(dict.get(stream, "/N"))
        if not isinstance(first, NumberObject) or not isinstance(count, NumberObject):
            return
        numbers = re.findall(rb"[0-9]+", data[: int(first)])[: 2 * int(count)]
        buffer = io.BytesIO(data)
        for offset in numbers[1::2]:
            self.budget.object()
            buffer.seek(int(first) + int(offset))
            _skip_space(buffer)
            try:
                item = read_object(buffer, self.reader)
            except MemoryError:
                raise
            except Exception:  # noqa: S112 - a viewer could not read it either
                continue
            self.walk(item)


def inspect(data: bytes, limits: Limits | None = None) -> list[str]:
    """The kinds of refused content in a PDF (empty when it may be stored).

    Raises PdfRefused when the file cannot be judged: unreadable, encrypted, without
    pages, or beyond the limits. Runs in this process: call it only inside the
    limited child, or in tests; elsewhere use ``check_pdf``.
    """
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise PdfRefused(f"超过 {limits.max_bytes // (1024 * 1024)} MB，{TOO_COMPLEX}")
    if not looks_like_pdf(data):
        raise PdfRefused(UNREADABLE)
    if b"%%eof" not in data[-2048:].lower():
        raise PdfRefused("不是完整的 PDF 文件（缺少文件结尾）。")
    found = {"markup"} if _MARKUP.search(data) else set()
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    budget = _Budget(limits)
    decoded = min(limits.max_decoded_bytes, 75_000_000)
    with apply_configuration(
        zlib_maximum_output_length=decoded,
        lzw_maximum_output_length=decoded,
        run_length_maximum_output_length=decoded,
        brotli_maximum_output_length=decoded,
        stream_decoding_work_maximum_length=decoded * 2,
    ):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise PdfRefused(ENCRYPTED)
            inspector = _Inspector(reader, budget)
            _conforming_view(reader, inspector)
            _repairing_view(data, reader, inspector)
            if len(reader.pages) < 1:
                raise PdfRefused(NO_PAGES)
        except PdfRefused:
            raise
        except LimitReachedError:
            raise PdfRefused(f"解压后过大，{TOO_COMPLEX}") from None
        except MemoryError:
            raise PdfRefused(MEMORY) from None
        except Exception as exc:
            if found:  # a web page in PDF clothing: say so rather than "unreadable"
                return sorted(found)
            raise PdfRefused(UNREADABLE) from exc
    return sorted(found | inspector.found, key=list(FINDINGS).index)


def _conforming_view(reader, inspector: _Inspector) -> None:
    from pypdf.generic import IndirectObject

    inspector.walk(reader.trailer)
    references = [
        IndirectObject(number, generation, reader)
        for generation, table in list(reader.xref.items())
        for number in list(table)
    ]
    references += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    for reference in references:
        inspector.budget.object()
        inspector.walk(reader.get_object(reference))


def _repairing_view(data: bytes, reader, inspector: _Inspector) -> None:
    from pypdf.generic import StreamObject, read_object

    buffer = io.BytesIO(data)
    for header in _OBJECT_HEADER.finditer(data):
        inspector.budget.object()
        buffer.seek(header.end())
        try:
            item = read_object(buffer, reader)
        except MemoryError:
            raise
        except Exception:  # noqa: S112 - not an object after all (or one no viewer reads)
            continue
        inspector.walk(item)
        if isinstance(item, StreamObject) and str(item.get("/Type")) == "/ObjStm":
            inspector.objects_in_stream(item)


def _skip_space(buffer: io.BytesIO) -> None:
    while (byte := buffer.read(1)) and byte in b"\x00\t\n\x0c\r ":
        pass
    if byte:
        buffer.seek(-1, io.SEEK_CUR)


def check_pdf(
    source: bytes | str | os.PathLike | IO[bytes], limits: Limits | None = None
) -> None:
    """Raise PdfRefused unless the PDF is readable, unencrypted, has a page and holds
    no active content; the parsing runs in a child process under ``limits``.

    source is the file's bytes, the path of a file on disk (handed to the child
    without being read here), or a binary file object (read from its start and
    rewound).
    """
    limits = limits or Limits()
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return _run_child({"stdin": handle}, limits)
    if not isinstance(source, bytes | bytearray):
        source.seek(0)
        data = source.read(limits.max_bytes + 1)
        source.seek(0)
        source = data
    return _run_child({"input": bytes(source)}, limits)


def _run_child(feed: dict, limits: Limits) -> None:
    from home.limited_child import answer, run_script

    try:
        done = run_script(
            __file__, limits=limits, limits_variable="PORTAL_PDF_LIMITS", **feed
        )
    except subprocess.TimeoutExpired as exc:
        raise PdfRefused(
            f"安全检查超时（超过 {limits.timeout_seconds:.0f} 秒），{TOO_COMPLEX}"
        ) from exc
    payload = answer(done)
    if payload is None:
        # Killed by a limit (memory, CPU) before it could answer.
        raise PdfRefused(STOPPED if done.returncode else UNREADABLE)
    if "error" in payload:
        raise PdfRefused(payload["error"])
    if payload["findings"]:
        raise PdfRefused(refusal_message(payload["findings"]))


def _main() -> int:
    raw = os.environ.get("PORTAL_PDF_LIMITS")
    limits = Limits(**json.loads(raw)) if raw else Limits()
    try:
        chunks, size = [], 0
        while size <= limits.max_bytes and (chunk := sys.stdin.buffer.read(1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
        result: dict = {"findings": inspect(b"".join(chunks), limits)}
    except PdfRefused as exc:
        result = {"error": str(exc)}
    except MemoryError:
        result = {"error": MEMORY}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
