"""Bulk import of policy documents from JSON Lines or a folder of files with metadata.csv.

Pages are written in batches: one transaction per batch, tree paths allocated here
(the pages are siblings under the library page), rows inserted in bulk without a
revision each (the live row is the only version until staff edit it), then the
batch is indexed through ``search.indexing.index_objects``.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import reset_queries, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.models import Page, PageLogEntry

from home.pdf_safety import PdfRefused, check_pdf
from library.extraction import (
    KIND_PDF,
    SUPPORTED_KINDS,
    ExtractionError,
    extract_file,
)
from library.metadata import (
    dates_from_history,
    infer_doc_type,
    is_heading,
    parse_cn_date,
)
from library.models import (
    AttachmentText,
    DocType,
    ExtractionStatus,
    PolicyAttachment,
    PolicyCategory,
    PolicyDocumentPage,
    PolicyLibraryPage,
    Validity,
)

BATCH_SIZE = 250
TITLE_MAX = 255
PAGE_FIELDS = ("title", "draft_title", "last_published_at", "search_description")
DOCUMENT_FIELDS = (
    "doc_number",
    "doc_number_prefix",
    "doc_number_year",
    "doc_number_serial",
    "issuer",
    "written_date",
    "publish_date",
    "doc_type",
    "level",
    "category",
    "history",
    "body",
    "import_hash",
)


class ImportError_(Exception):
    """A row or file that cannot be imported; the message says why, in Chinese."""


@dataclass
class SourceFile:
    """An original file that becomes the document's attachment."""

    path: Path
    kind: str
    text: str
    pages: int | None
    encoding: str


@dataclass
class ImportRecord:
    """One document as read from a source, normalised and validated."""

    location: str
    external_id: str
    title: str
    body: str
    issuer: str = ""
    date: datetime.date | None = None
    category: str = ""
    subcategory: str = ""
    level: str = ""
    doc_number: str = ""
    history: list[str] = field(default_factory=list)
    validity: str = ""
    index_number: str = ""
    source_file: SourceFile | None = None

    def digest(self) -> str:
        """A hash of everything imported, so unchanged rows are skipped on re-import."""
        payload = [
            self.title,
            self.body,
            self.issuer,
            str(self.date),
            self.category,
            self.subcategory,
            self.level,
            self.doc_number,
            self.history,
            self.validity,
            self.index_number,
        ]
        if self.source_file:
            payload.append(_file_sha1(self.source_file.path))
        raw = json.dumps(payload, ensure_ascii=False).encode()
        return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


@dataclass
class Problem:
    """A skipped row or file and the reason."""

    location: str
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    indexed: int = 0
    amended: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"新建 {self.created} 篇，更新 {self.updated} 篇，未变 {self.unchanged} 篇，"
            f"跳过 {len(self.problems)} 条，索引 {self.indexed} 篇"
            + (f"，标记已修改旧版本 {self.amended} 篇" if self.amended else "")
            + "。"
        )


def _file_sha1(path: Path) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _text(value, name: str, *, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ImportError_(f"字段 {name} 应为文本")
    value = value.strip()
    if max_length and len(value) > max_length:
        raise ImportError_(f"字段 {name} 超过 {max_length} 字")
    return value


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ImportError_("日期应为 YYYY-MM-DD 格式的文本")
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise ImportError_(f"日期格式错误：{value}（应为 YYYY-MM-DD）") from None


def record_from_mapping(data: dict, location: str) -> ImportRecord:
    """Validate one JSON object (the corpus fields) into an ImportRecord."""
    if not isinstance(data, dict):
        raise ImportError_("不是 JSON 对象")
    external_id = _text(data.get("id"), "id", max_length=64)
    if not external_id:
        raise ImportError_("缺少 id")
    title = _text(data.get("title"), "title")
    if not title:
        raise ImportError_("缺少标题 title")
    if len(title) > TITLE_MAX:
        raise ImportError_(f"标题超过 {TITLE_MAX} 字")
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        raise ImportError_("正文 body 为空")
    history = data.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise ImportError_("沿革 history 应为文本列表")
    validity = _text(data.get("validity"), "validity")
    if validity and validity not in Validity.values:
        raise ImportError_(f"效力 validity 只能是 {'、'.join(Validity.values)}")
    return ImportRecord(
        location=location,
        external_id=external_id,
        title=title,
        body=body,
        issuer=_text(data.get("issuer"), "issuer", max_length=120),
        date=_date(data.get("date")),
        category=_text(data.get("category"), "category", max_length=60),
        subcategory=_text(data.get("subcategory"), "subcategory", max_length=60),
        level=_text(data.get("level"), "level", max_length=20),
        doc_number=_text(data.get("doc_number"), "doc_number", max_length=120),
        history=[h.strip() for h in history if h.strip()],
        validity=validity,
        index_number=_text(data.get("index_number"), "index_number", max_length=60),
    )


Item = ImportRecord | Problem


def read_jsonl(path: Path) -> Iterator[Item]:
    """Stream records from a .jsonl or .jsonl.gz file, one line at a time."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        handle = opener(path, "rt", encoding="utf-8-sig")
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                location = f"第 {number} 行"
                try:
                    data = json.loads(line)
                except ValueError as exc:
                    yield Problem(location, f"不是有效的 JSON({exc.msg})")
                    continue
                try:
                    yield record_from_mapping(data, location)
                except ImportError_ as exc:
                    yield Problem(location, str(exc))
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        yield Problem(str(path), f"文件无法读取或已损坏：{exc}")


def split_file_text(text: str, title: str) -> tuple[list[str], str]:
    """Split a file's text into header (history) lines and body, dropping the title."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    wanted = "".join(title.split())
    taken, head = 0, ""
    while taken < min(len(lines), 4) and wanted.startswith(
        head + "".join(lines[taken].split())
    ):
        head += "".join(lines[taken].split())
        taken += 1
        if head == wanted:
            lines = lines[taken:]
            break
    history: list[str] = []
    while lines and len(history) < 12:
        line = lines[0]
        if parse_cn_date(line) and len(line) <= 120 and not line.startswith("第"):
            history.append(line)
            lines.pop(0)
        else:
            break
    return history, "\n".join(lines)


def read_folder(folder: Path) -> Iterator[Item]:
    """Records from folder/metadata.csv; each file's text is extracted safely."""
    metadata = folder / "metadata.csv"
    if not metadata.is_file():
        yield Problem(str(folder), "文件夹中没有 metadata.csv")
        return
    with metadata.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        required = {"filename", "title"}
        if not required <= set(reader.fieldnames or []):
            yield Problem("metadata.csv", "缺少 filename 或 title 列")
            return
        for number, row in enumerate(reader, start=2):
            location = f"metadata.csv 第 {number} 行"
            try:
                yield _folder_record(folder, row, location)
            except ImportError_ as exc:
                yield Problem(location, str(exc))


def _folder_record(folder: Path, row: dict, location: str) -> ImportRecord:
    filename = (row.get("filename") or "").strip()
    if not filename or "/" in filename or "\\" in filename or filename.startswith("."):
        raise ImportError_(f"文件名无效：{filename!r}")
    path = folder / filename
    if not path.is_file():
        raise ImportError_(f"找不到文件 {filename}")
    try:
        extracted = extract_file(path)
    except ExtractionError as exc:
        raise ImportError_(f"{filename}:{exc}") from None
    if extracted.kind not in SUPPORTED_KINDS:
        raise ImportError_(f"{filename}：不支持的文件类型")
    if extracted.kind == KIND_PDF:
        try:
            check_pdf(path)
        except PdfRefused as exc:
            raise ImportError_(f"{filename}：{exc}") from None
    if not extracted.text.strip():
        raise ImportError_(f"{filename}：没有可提取的文字")
    title = (row.get("title") or "").strip()
    history, body = split_file_text(extracted.text, title)
    data = {
        "id": (row.get("doc_id") or "").strip() or Path(filename).stem,
        "title": title,
        "body": body,
        "issuer": row.get("issuer") or None,
        "date": row.get("date") or None,
        "category": row.get("category") or None,
        "subcategory": row.get("subcategory") or None,
        "level": row.get("level") or None,
        "doc_number": row.get("doc_number") or None,
        "history": history,
        "validity": row.get("validity") or None,
    }
    record = record_from_mapping(data, location)
    record.source_file = SourceFile(
        path, extracted.kind, extracted.text, extracted.pages, extracted.encoding
    )
    return record


def read_source(path: Path) -> Iterator[Item]:
    """Records from a folder (metadata.csv) or a JSON Lines file (optionally gzipped)."""
    if path.is_dir():
        return read_folder(path)
    if path.is_file():
        return read_jsonl(path)
    return iter([Problem(str(path), "路径不存在")])


def body_html(text: str) -> str:
    """Plain paragraphs (one per line) as rich-text HTML; 第一章-style lines become h3."""
    parts = []
    for raw in text.splitlines():
        line = raw.strip().replace("\t", "  ")
        if not line:
            continue
        tag = "h3" if is_heading(line) else "p"
        parts.append(f"<{tag}>{escape(line)}</{tag}>")
    return "".join(parts)


class CategoryCache:
    """Finds or creates 主题分类 rows for (category, subcategory) pairs."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int | None] = {}

    def get(self, top: str, sub: str) -> int | None:
        key = (top, sub)
        if key not in self._ids:
            self._ids[key] = self._lookup(top, sub)
        return self._ids[key]

    def _lookup(self, top: str, sub: str) -> int | None:
        if not top:
            return None
        parent, _ = PolicyCategory.objects.get_or_create(name=top, parent=None)
        if not sub:
            return parent.pk
        child, _ = PolicyCategory.objects.get_or_create(name=sub[:60], parent=parent)
        return child.pk


class PageWriter:
    """Creates and updates document pages under one library page, a batch at a time."""

    def __init__(self, library: PolicyLibraryPage) -> None:
        self.library = library
        self.content_type = ContentType.objects.get_for_model(PolicyDocumentPage)
        self.categories = CategoryCache()
        self.slugs = set(Page.objects.child_of(library).values_list("slug", flat=True))

    def apply(self, record: ImportRecord, page: PolicyDocumentPage) -> None:
        """Copy a record's fields onto a (new or existing) page."""
        written, published = dates_from_history(record.history, record.date)
        page.title = page.draft_title = record.title
        page.doc_number = record.doc_number
        page.apply_doc_number()
        page.issuer = record.issuer
        page.written_date, page.publish_date = written, published
        page.doc_type = infer_doc_type(record.title, record.level)
        if page.doc_type not in DocType.values:
            page.doc_type = "其他"
        page.level = record.level
        page.category_id = self.categories.get(record.category, record.subcategory)
        page.history = "\n".join(record.history)
        page.body = body_html(record.body)
        page.search_description = ""
        if record.validity:
            page.validity = record.validity
        if record.index_number:
            page.index_number = record.index_number
        page.import_hash = record.digest()

    def _slug(self, record: ImportRecord) -> str:
        base = slugify(record.external_id, allow_unicode=True)[:200] or uuid.uuid4().hex
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug

    def create(self, records: list[ImportRecord]) -> list[PolicyDocumentPage]:
        """Insert new pages as the library page's last children, in bulk."""
        if not records:
            return []
        library = Page.objects.select_for_update().get(pk=self.library.pk)
        last = Page.objects.filter(
            path__startswith=library.path, depth=library.depth + 1
        ).aggregate(last=Max("path"))["last"]
        step = Page._str2int(last[-Page.steplen :]) if last else 0
        now = timezone.now()
        pages = []
        for record in records:
            step += 1
            slug = self._slug(record)
            page = PolicyDocumentPage(
                path=Page._get_path(library.path, library.depth + 1, step),
                depth=library.depth + 1,
                numchild=0,
                translation_key=uuid.uuid4(),
                locale_id=library.locale_id,
                live=True,
                has_unpublished_changes=False,
                first_published_at=now,
                last_published_at=now,
                slug=slug,
                url_path=f"{library.url_path}{slug}/",
                content_type=self.content_type,
                external_id=record.external_id,
                index_number=record.index_number,
            )
            self.apply(record, page)
            pages.append(page)
        base_rows = [
            Page(
                **{f.attname: getattr(p, f.attname) for f in Page._meta.concrete_fields}
            )
            for p in pages
        ]
        Page.objects.bulk_create(base_rows)
        if any(row.pk is None for row in base_rows):
            paths = [row.path for row in base_rows]
            ids = dict(Page.objects.filter(path__in=paths).values_list("path", "id"))
            for row in base_rows:
                row.pk = ids[row.path]
        for page, row in zip(pages, base_rows, strict=True):
            page.page_ptr_id = page.id = row.pk
        local_fields = list(PolicyDocumentPage._meta.local_concrete_fields)
        PolicyDocumentPage.objects.none()._insert(  # child-table rows only
            pages, fields=local_fields, using="default"
        )
        Page.objects.filter(pk=library.pk).update(numchild=F("numchild") + len(pages))
        PageLogEntry.objects.bulk_create(
            PageLogEntry(
                content_type=self.content_type,
                label=page.title[:255],
                action="wagtail.create",
                timestamp=now,
                page_id=page.pk,
                data={"source": "import"},
            )
            for page in pages
        )
        return pages

    def update(self, pairs: list[tuple[ImportRecord, PolicyDocumentPage]]) -> list:
        """Rewrite changed pages in bulk; pages with revisions get a new published one."""
        pages = []
        now = timezone.now()
        for record, page in pairs:
            self.apply(record, page)
            page.last_published_at = now
            pages.append(page)
        if not pages:
            return []
        PolicyDocumentPage.objects.bulk_update(pages, [*PAGE_FIELDS, *DOCUMENT_FIELDS])
        for page in pages:
            if page.latest_revision_id:
                page.save_revision(clean=False, log_action="wagtail.edit").publish(
                    skip_permission_checks=True
                )
        return pages


def attach_source_file(page: PolicyDocumentPage, source: SourceFile) -> None:
    """Store the original file as the page's attachment, with its text already extracted."""
    document_model = get_document_model()
    sha1 = _file_sha1(source.path)
    existing = page.attachments.select_related("document").first()
    if existing and existing.document.file_hash == sha1:
        return
    with source.path.open("rb") as handle:
        document = document_model(title=page.title[:255], file_hash=sha1)
        document.file.save(source.path.name, File(handle), save=False)
        document.file_size = source.path.stat().st_size
        document.save()
    AttachmentText.objects.update_or_create(
        document=document,
        defaults={
            "status": ExtractionStatus.DONE,
            "kind": source.kind,
            "text": source.text,
            "pages": source.pages,
            "encoding": source.encoding,
            "file_hash": sha1,
            "error": "",
        },
    )
    if existing:
        old = existing.document
        existing.document = document
        existing.save()
        if not PolicyAttachment.objects.filter(document=old).exists():
            old.delete()
    else:
        PolicyAttachment.objects.create(
            page=page, document=document, title="原文", text_in_body=True, sort_order=0
        )


def _index(pages: list[PolicyDocumentPage]) -> int:
    return index_pages([p.pk for p in pages])


def index_pages(ids: list[int]) -> int:
    """Index these document pages through the search app (in batches it chooses)."""
    from search.indexing import index_objects

    if not ids:
        return 0
    return index_objects(PolicyDocumentPage.objects.filter(pk__in=ids).for_indexing())


def _worker_start() -> None:
    from django.db import connections

    connections.close_all()


class Indexer:
    """Indexes committed batches, in worker processes when asked (analysis is CPU-bound)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = None
        self.pending: list = []
        self.indexed = 0
        if workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from django.db import connections

            from search.backends import reset_backends

            connections.close_all()
            reset_backends()
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_start,
            )
            # Fork every worker now, while this process holds no open connections.
            self.pool.submit(_worker_start).result()

    def submit(self, ids: list[int]) -> None:
        """Index these pages now, or hand them to a worker (waiting if all are busy)."""
        if not ids:
            return
        if self.pool is None:
            self.indexed += index_pages(ids)
            return
        while len(self.pending) >= self.workers * 2:
            self.indexed += self.pending.pop(0).result()
        self.pending.append(self.pool.submit(index_pages, ids))

    def finish(self) -> int:
        """Wait for every batch; returns documents indexed."""
        for future in self.pending:
            self.indexed += future.result()
        self.pending = []
        if self.pool is not None:
            self.pool.shutdown()
        return self.indexed


def _batches(items: Iterable[Item], size: int) -> Iterator[tuple[list, list]]:
    records: list[ImportRecord] = []
    problems: list[Problem] = []
    for item in items:
        if isinstance(item, Problem):
            problems.append(item)
        else:
            records.append(item)
        if len(records) >= size:
            yield records, problems
            records, problems = [], []
    if records or problems:
        yield records, problems


def import_documents(
    path: Path,
    *,
    library: PolicyLibraryPage | None = None,
    batch_size: int = BATCH_SIZE,
    index: bool = True,
    progress: Callable[[int], None] | None = None,
    workers: int = 0,
) -> ImportReport:
    """Import (create or update by external id) every valid record of a source.

    ``workers`` > 0 indexes in that many forked processes while pages are written;
    only for databases other processes can open (not SQLite in memory).
    """
    if library is None:
        from library.services import ensure_library_page

        library = ensure_library_page()
    writer = PageWriter(library)
    report = ImportReport()
    from django.db import connection

    if connection.in_atomic_block:
        workers = 0  # forked workers could not see this transaction's pages
    indexer = Indexer(workers if index else 0)
    seen: dict[str, str] = {}
    for records, problems in _batches(read_source(Path(path)), batch_size):
        report.problems.extend(problems)
        unique = []
        for record in records:
            if record.external_id in seen:
                report.problems.append(
                    Problem(
                        record.location,
                        f"id {record.external_id} 与{seen[record.external_id]}重复",
                    )
                )
                continue
            seen[record.external_id] = record.location
            unique.append(record)
        changed = _import_batch(unique, writer, report)
        reset_queries()  # DEBUG keeps every query; long imports must not grow
        if index:
            indexer.submit(changed)
        if progress:
            progress(len(records) + len(problems))
    report.indexed = indexer.finish()
    report.amended = mark_superseded_versions(index=index)
    return report


def _import_batch(
    records: list[ImportRecord],
    writer: PageWriter,
    report: ImportReport,
) -> list[int]:
    """Write one batch in one transaction; returns the ids of created/updated pages."""
    with transaction.atomic():
        existing = {
            page.external_id: page
            for page in PolicyDocumentPage.objects.filter(
                external_id__in=[r.external_id for r in records]
            )
        }
        new, changed, same = [], [], []
        for record in records:
            page = existing.get(record.external_id)
            if page is None:
                new.append(record)
            elif page.import_hash != record.digest():
                changed.append((record, page))
            else:
                same.append(page)
        created = writer.create(new)
        updated = writer.update(changed)
        by_id = {p.external_id: p for p in [*created, *updated]}
        for record in records:
            if record.source_file and record.external_id in by_id:
                attach_source_file(by_id[record.external_id], record.source_file)
        _add_to_admin_search([*created, *updated])
        report.created += len(created)
        report.updated += len(updated)
        report.unchanged += len(same)
    return [p.pk for p in [*created, *updated]]


def _add_to_admin_search(pages: list[PolicyDocumentPage]) -> None:
    """Keep Wagtail's own admin search (titles, 发文字号) in step with bulk writes."""
    from wagtail.search.backends import get_search_backends

    if not pages:
        return
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(PolicyDocumentPage, pages)


def mark_superseded_versions(*, index: bool = True) -> int:
    """Older versions of a title from the same issuer become 已修改 (newest stays)."""
    groups = (
        PolicyDocumentPage.objects.filter(external_id__isnull=False)
        .order_by()
        .values("title", "issuer")
        .annotate(n=Count("id"), newest=Max("publish_date"))
        .filter(n__gt=1)
    )
    changed: list[PolicyDocumentPage] = []
    for group in groups:
        older = PolicyDocumentPage.objects.filter(
            title=group["title"],
            issuer=group["issuer"],
            publish_date__lt=group["newest"],
            validity=Validity.CURRENT,
        )
        changed.extend(older)
    if changed:
        PolicyDocumentPage.objects.filter(pk__in=[p.pk for p in changed]).update(
            validity=Validity.AMENDED
        )
        if index:
            _index(changed)
    return len(changed)


def open_text(path: Path) -> io.TextIOBase:
    """Open a JSON Lines file, gzipped or not (for callers that count lines)."""
    opener = gzip.open if path.suffix == ".gz" else open
    return opener(path, "rt", encoding="utf-8-sig")
