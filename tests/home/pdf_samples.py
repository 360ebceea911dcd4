"""PDFs with and without active content, built here with pypdf (no binary fixtures).

Simple cases use pypdf's writer as any tool would (an open action with JavaScript, an
embedded file, encryption). The evasions need a layout pypdf's writer does not
produce, so ``write_pdf`` serialises numbered pypdf objects itself: names written
with ``#xx`` escapes (``EscapedName``), and objects packed into a Flate-compressed
object stream indexed by a cross-reference stream, as PDF 1.5 writers do.
"""

from __future__ import annotations

import io
import struct

from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

# Object numbers of the skeleton every write_pdf document has.
CATALOG, PAGES, PAGE = 1, 2, 3


class EscapedName(NameObject):
    """A name written with the given characters as #xx escapes: with the default, 'a',
    /JavaScript is written /J#61v#61Script and /Launch /L#61unch. A reader decodes it
    back; a byte search does not see it."""

    def __new__(cls, value: str, escape: str = "a"):
        name = super().__new__(cls, value)
        name.escape = escape
        return name

    def write_to_stream(self, stream, encryption_key=None) -> None:
        written = "".join(
            f"#{ord(c):02X}" if c in self.escape else c for c in str(self)
        )
        stream.write(written.encode("ascii"))


def name(value: str) -> NameObject:
    return NameObject(value)


def ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)


def d(**entries) -> DictionaryObject:
    """A dictionary from keyword arguments: d(S=name("/URI")) is << /S /URI >>."""
    return DictionaryObject({NameObject(f"/{k}"): v for k, v in entries.items()})


def text(value: str) -> TextStringObject:
    return TextStringObject(value)


def skeleton() -> dict[int, PdfObject]:
    """Catalog, page tree and one 200×200 page."""
    return {
        CATALOG: d(Type=name("/Catalog"), Pages=ref(PAGES)),
        PAGES: d(
            Type=name("/Pages"), Kids=ArrayObject([ref(PAGE)]), Count=NumberObject(1)
        ),
        PAGE: d(
            Type=name("/Page"),
            Parent=ref(PAGES),
            MediaBox=ArrayObject([NumberObject(v) for v in (0, 0, 200, 200)]),
        ),
    }


def stream(data: bytes, **entries) -> StreamObject:
    obj = StreamObject()
    obj.update(d(**entries))
    obj.set_data(data)
    return obj


def _serialise(obj: PdfObject) -> bytes:
    buffer = io.BytesIO()
    obj.write_to_stream(buffer)
    return buffer.getvalue()


def write_pdf(
    objects: dict[int, PdfObject], *, packed: set[int] = frozenset(), tail: bytes = b""
) -> bytes:
    """A PDF of these numbered objects (1 is the catalog).

    Objects in ``packed`` go into one Flate-compressed /ObjStm, indexed by a
    cross-reference stream; otherwise a classic xref table is written. ``tail`` is
    appended before the trailer, outside any cross-reference (an object only a
    viewer repairing the file would find).
    """
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    size = max(objects) + 1
    entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 0xFFFF)}
    for number in sorted(set(objects) - set(packed)):
        entries[number] = (1, out.tell(), 0)
        out.write(f"{number} 0 obj\n".encode())
        out.write(_serialise(objects[number]))
        out.write(b"\nendobj\n")
    if packed:
        stm_number, xref_number = size, size + 1
        header, body = [], b""
        for index, number in enumerate(sorted(packed)):
            header.append(f"{number} {len(body)}")
            body += _serialise(objects[number]) + b"\n"
            entries[number] = (2, stm_number, index)
        head = (" ".join(header) + "\n").encode()
        packed_stream = stream(
            head + body,
            Type=name("/ObjStm"),
            N=NumberObject(len(packed)),
            First=NumberObject(len(head)),
        ).flate_encode()
        entries[stm_number] = (1, out.tell(), 0)
        out.write(f"{stm_number} 0 obj\n".encode())
        out.write(_serialise(packed_stream))
        out.write(b"\nendobj\n")
        out.write(tail)
        entries[xref_number] = (1, out.tell(), 0)
        rows = b"".join(
            struct.pack(">BIH", *entries.get(n, (0, 0, 0))) for n in range(size + 2)
        )
        xref = stream(
            rows,
            Type=name("/XRef"),
            Size=NumberObject(size + 2),
            Root=ref(CATALOG),
            W=ArrayObject([NumberObject(1), NumberObject(4), NumberObject(2)]),
        ).flate_encode()
        start = out.tell()
        out.write(f"{xref_number} 0 obj\n".encode())
        out.write(_serialise(xref))
        out.write(f"\nendobj\nstartxref\n{start}\n%%EOF\n".encode())
        return out.getvalue()
    out.write(tail)
    start = out.tell()
    out.write(f"xref\n0 {size}\n".encode())
    for number in range(size):
        kind, offset, generation = entries.get(number, (0, 0, 0xFFFF))
        flag = "n" if kind == 1 else "f"
        out.write(f"{offset:010d} {generation:05d} {flag} \n".encode())
    trailer = d(Size=NumberObject(size), Root=ref(CATALOG))
    out.write(b"trailer\n" + _serialise(trailer))
    out.write(f"\nstartxref\n{start}\n%%EOF\n".encode())
    return out.getvalue()


def with_catalog(packed: bool = False, **entries) -> bytes:
    """The skeleton with these entries added to the catalog."""
    objects = skeleton()
    objects[CATALOG].update(d(**entries))
    return write_pdf(objects, packed={CATALOG} if packed else set())


def with_link(action: DictionaryObject) -> bytes:
    """The skeleton with one link annotation on the page doing ``action``."""
    objects = skeleton()
    objects[4] = d(
        Type=name("/Annot"),
        Subtype=name("/Link"),
        Rect=ArrayObject([NumberObject(v) for v in (10, 10, 100, 40)]),
        A=action,
    )
    objects[PAGE][NameObject("/Annots")] = ArrayObject([ref(4)])
    return write_pdf(objects)


# --- Clean files ------------------------------------------------------------


def plain_pdf() -> bytes:
    """One blank page, written by pypdf's PdfWriter."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def web_link_pdf() -> bytes:
    """A page with an ordinary https link and a mailto link (allowed)."""
    objects = skeleton()
    for number, uri in ((4, "https://www.12371.cn/"), (5, "mailto:dw@example.org")):
        objects[number] = d(
            Type=name("/Annot"),
            Subtype=name("/Link"),
            Rect=ArrayObject([NumberObject(v) for v in (10, 10, 100, 40)]),
            A=d(S=name("/URI"), URI=text(uri)),
        )
    objects[PAGE][NameObject("/Annots")] = ArrayObject([ref(4), ref(5)])
    return write_pdf(objects, packed={1, 2, 3, 4, 5})


# --- Active content -----------------------------------------------------------


def open_action_javascript() -> bytes:
    """JavaScript run on opening, added with pypdf's own API."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_open_action(JavaScript("app.alert('opened');"))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def escaped_javascript() -> bytes:
    """/OpenAction << /S /J#61v#61Script /J#53 (…) >>: no /JavaScript or /JS bytes."""
    action = DictionaryObject(
        {
            NameObject("/S"): EscapedName("/JavaScript"),
            EscapedName("/JS", escape="S"): text("app.launchURL('http://x.test');"),
        }
    )
    return with_catalog(OpenAction=action)


def escaped_launch() -> bytes:
    """/OpenAction << /S /L#61unch /F (cmd.exe) >>."""
    return with_catalog(
        OpenAction=DictionaryObject(
            {
                NameObject("/S"): EscapedName("/Launch"),
                NameObject("/F"): text("cmd.exe"),
            }
        )
    )


def object_stream_javascript() -> bytes:
    """The catalog and its JavaScript open action packed in a compressed object stream."""
    objects = skeleton()
    objects[CATALOG][NameObject("/OpenAction")] = ref(4)
    objects[4] = d(S=name("/JavaScript"), JS=text("app.alert('hidden');"))
    return write_pdf(objects, packed={CATALOG, 4})


def embedded_file() -> bytes:
    """An embedded file, added with pypdf's add_attachment."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment("说明.exe", b"MZ\x90\x00 not really a program")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def xfa_form() -> bytes:
    """An AcroForm carrying an XFA packet."""
    objects = skeleton()
    objects[4] = stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'></xdp:xdp>")
    objects[CATALOG][NameObject("/AcroForm")] = d(Fields=ArrayObject(), XFA=ref(4))
    return write_pdf(objects)


def page_aa_javascript() -> bytes:
    """JavaScript in a page's additional actions (/AA /O: on page open)."""
    objects = skeleton()
    objects[PAGE][NameObject("/AA")] = d(
        O=d(S=name("/JavaScript"), JS=text("app.alert(1)"))
    )
    return write_pdf(objects)


def names_tree_javascript() -> bytes:
    """Document-level JavaScript in the catalog's /Names tree."""
    script = d(S=name("/JavaScript"), JS=text("app.alert(1)"))
    tree = d(Names=ArrayObject([text("init"), script]))
    return with_catalog(Names=d(JavaScript=tree))


def hidden_object_javascript() -> bytes:
    """A JavaScript action in an object no cross-reference lists, after the objects."""
    tail = b"9 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n"
    return write_pdf(skeleton(), tail=tail)


def link_actions() -> dict[str, bytes]:
    """One page link per refused action type, keyed by the finding expected."""
    return {
        "launch": with_link(d(S=name("/Launch"), F=text("calc.exe"))),
        "uri": with_link(
            d(S=name("/URI"), URI=text("file:///C:/Windows/System32/calc.exe"))
        ),
        "remote_goto": with_link(
            d(S=name("/GoToR"), F=text("other.pdf"), D=ArrayObject([NumberObject(0)]))
        ),
        "import_data": with_link(d(S=name("/ImportData"), F=text("data.fdf"))),
        "submit_form": with_link(
            d(
                S=name("/SubmitForm"),
                F=d(FS=name("/URL"), F=text("https://collect.example/")),
            )
        ),
        "rich_media": with_link(d(S=name("/RichMediaExecute"), TA=ref(PAGE))),
        "javascript": with_link(d(S=name("/JavaScript"), JS=text("app.alert(1)"))),
    }


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def many_objects(count: int) -> bytes:
    """The skeleton plus ``count`` small objects (for the work limits)."""
    objects = skeleton()
    for number in range(4, count + 4):
        objects[number] = ArrayObject([NumberObject(number)])
    return write_pdf(objects)


def decompression_bomb(size: int) -> bytes:
    """An object stream that inflates to ``size`` bytes of spaces."""
    objects = skeleton()
    bomb = stream(
        b" " * size, Type=name("/ObjStm"), N=NumberObject(0), First=NumberObject(0)
    )
    objects[4] = bomb.flate_encode(level=9)
    return write_pdf(objects)


def hidden_object_stream_javascript() -> bytes:
    """A compressed object stream no cross-reference lists, holding a JavaScript
    action: only a viewer that repairs the file by scanning it would load it."""
    body = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>\n"
    packed = stream(
        b"10 0\n" + body, Type=name("/ObjStm"), N=NumberObject(1), First=NumberObject(5)
    ).flate_encode()
    return write_pdf(skeleton(), tail=b"9 0 obj\n" + _serialise(packed) + b"\nendobj\n")
