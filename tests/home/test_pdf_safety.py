"""The PDF active-content check: what it refuses, what it lets through, its limits.

Every sample is built with pypdf in tests/home/pdf_samples.py. The evasions of issue
12 (names written with #xx escapes, actions inside compressed object streams) get
past a search of the bytes; these tests show they no longer get past the check.
"""

import io

import pytest
from pypdf import PdfReader

from home.pdf_safety import (
    ENCRYPTED,
    UNREADABLE,
    Limits,
    PdfRefused,
    check_pdf,
    inspect,
)

from . import pdf_samples as samples

# The markers the byte search looked for (issue 12, point 4).
OLD_MARKERS = (b"/javascript", b"/js ", b"/js(", b"/js<", b"/launch", b"/embeddedfile")


def _passes_byte_search(data: bytes) -> bool:
    return not any(marker in data.lower() for marker in OLD_MARKERS)


def test_plain_and_linked_pdfs_are_accepted():
    assert inspect(samples.plain_pdf()) == []
    # https and mailto links, with everything packed in an object stream
    assert inspect(samples.web_link_pdf()) == []
    check_pdf(samples.plain_pdf())


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("open_action_javascript", ["javascript"]),
        ("escaped_javascript", ["javascript"]),
        ("escaped_launch", ["launch"]),
        ("object_stream_javascript", ["javascript"]),
        ("embedded_file", ["embedded_file", "file_reference"]),
        ("xfa_form", ["xfa"]),
        ("page_aa_javascript", ["javascript"]),
        ("names_tree_javascript", ["javascript"]),
        ("hidden_object_javascript", ["javascript"]),
        ("hidden_object_stream_javascript", ["javascript"]),
    ],
)
def test_active_content_is_found_wherever_it_sits(sample, expected):
    assert inspect(getattr(samples, sample)()) == expected


@pytest.mark.parametrize("kind", sorted(samples.link_actions()))
def test_each_refused_link_action_is_found(kind):
    assert inspect(samples.link_actions()[kind]) == [kind]


def test_escaped_names_pass_a_byte_search_but_not_the_check():
    data = samples.escaped_javascript()
    assert b"/J#61v#61Script" in data and b"/J#53" in data
    assert _passes_byte_search(data)
    action = PdfReader(io.BytesIO(data)).trailer["/Root"]["/OpenAction"]
    assert action["/S"] == "/JavaScript" and "/JS" in action  # what a viewer reads
    launch = samples.escaped_launch()
    assert b"/L#61unch" in launch and _passes_byte_search(launch)
    assert inspect(data) == ["javascript"]
    assert inspect(launch) == ["launch"]


def test_object_stream_hides_the_action_from_a_byte_search_but_not_the_check():
    data = samples.object_stream_javascript()
    assert b"JavaScript" not in data and _passes_byte_search(data)
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/OpenAction"]["/S"] == "/JavaScript"
    assert inspect(data) == ["javascript"]


def test_refusal_names_what_was_found_in_chinese():
    with pytest.raises(PdfRefused) as refused:
        check_pdf(samples.embedded_file())
    assert "嵌入的文件或文件附件" in str(refused.value)
    assert "对其他文件的引用" in str(refused.value)
    with pytest.raises(PdfRefused, match="JavaScript 脚本"):
        check_pdf(samples.escaped_javascript())
    with pytest.raises(PdfRefused, match="XFA 动态表单"):
        check_pdf(samples.xfa_form())


def test_pdf_that_cannot_be_parsed_is_refused_not_passed():
    garbage = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF\n"
    with pytest.raises(PdfRefused) as refused:
        inspect(garbage)
    assert str(refused.value) in (UNREADABLE, "没有页面，不是有效的 PDF。")
    with pytest.raises(PdfRefused, match="缺少文件结尾"):
        inspect(samples.plain_pdf()[:-200])
    with pytest.raises(PdfRefused, match="无法解析"):
        inspect(b"<html><body>not a pdf</body></html>")
    with pytest.raises(PdfRefused) as refused:
        check_pdf(samples.encrypted_pdf())
    assert str(refused.value) == ENCRYPTED


def test_too_many_objects_are_refused():
    with pytest.raises(PdfRefused, match="对象过多"):
        inspect(samples.many_objects(3000), Limits(max_objects=1000))


def test_decompression_bomb_is_refused():
    bomb = samples.decompression_bomb(40 * 1024 * 1024)
    assert len(bomb) < 200 * 1024
    with pytest.raises(PdfRefused, match="解压后过大"):
        inspect(bomb, Limits(max_decoded_bytes=8 * 1024 * 1024))


def test_memory_is_capped_in_the_child():
    bomb = samples.decompression_bomb(70 * 1024 * 1024)
    with pytest.raises(PdfRefused, match="内存"):
        check_pdf(bomb, Limits(memory_bytes=128 * 1024 * 1024))


def test_slow_pdf_is_stopped_at_the_time_limit():
    data = samples.many_objects(200_000)
    with pytest.raises(PdfRefused, match="超时"):
        check_pdf(data, Limits(timeout_seconds=1))


def test_files_on_disk_and_file_objects_are_checked_whole(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(samples.object_stream_javascript())
    with pytest.raises(PdfRefused, match="JavaScript"):
        check_pdf(path)
    with path.open("rb") as handle:
        handle.read(10)
        with pytest.raises(PdfRefused, match="JavaScript"):
            check_pdf(handle)
        assert handle.tell() == 0
    check_pdf(io.BytesIO(samples.plain_pdf()))
