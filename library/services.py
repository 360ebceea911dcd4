"""State-changing use cases of the library: attachment text extraction."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from wagtail.documents import get_document_model

from library.extraction import SUPPORTED_KINDS, ExtractionError, Limits, extract_file
from library.models import (
    AttachmentText,
    ExtractionStatus,
    PolicyDocumentPage,
    PolicyLibraryPage,
)

logger = logging.getLogger(__name__)


def extraction_limits() -> Limits:
    """Limits from PORTAL_LIBRARY_EXTRACTION (any subset of Limits' fields)."""
    return Limits(**getattr(settings, "PORTAL_LIBRARY_EXTRACTION", {}))


def _is_candidate(document) -> bool:
    extension = Path(document.file.name).suffix.lower().lstrip(".")
    if extension in SUPPORTED_KINDS:
        return True
    return PolicyDocumentPage.objects.filter(attachments__document=document).exists()


def request_extraction(document) -> bool:
    """Mark a file's text as pending and enqueue its extraction on commit, if needed."""
    if not document.pk or not document.file or not _is_candidate(document):
        return False
    record = AttachmentText.objects.filter(document=document).first()
    if (
        record
        and record.status == ExtractionStatus.DONE
        and document.file_hash
        and record.file_hash == document.file_hash
    ):
        return False
    if record is None:
        record = AttachmentText.objects.create(document=document)
    elif record.status != ExtractionStatus.PENDING:
        AttachmentText.objects.filter(pk=record.pk).update(
            status=ExtractionStatus.PENDING, error=""
        )
    from library.tasks import extract_attachment_text

    document_id = document.pk
    transaction.on_commit(lambda: extract_attachment_text.enqueue(document_id))
    return True


def _copy_to_temp(document, directory: str, limits: Limits) -> tuple[Path, str]:
    """Copy the stored file to a local path (storage may be remote); returns (path, sha1)."""
    digest = hashlib.sha1(usedforsecurity=False)
    target = Path(directory) / "upload.bin"
    size = 0
    with document.file.open("rb") as source, target.open("wb") as out:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            size += len(chunk)
            if size > limits.max_bytes:
                raise ExtractionError(
                    f"文件过大（超过 {limits.max_bytes / 1048576:.0f} MB）。"
                )
            digest.update(chunk)
            out.write(chunk)
    return target, digest.hexdigest()


def extract_document_text(document_id: int) -> str:
    """Extract a file's text into its AttachmentText and reindex the pages using it."""
    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None:
        return "missing"
    record, _ = AttachmentText.objects.get_or_create(document=document)
    if (
        record.status == ExtractionStatus.DONE
        and document.file_hash
        and record.file_hash == document.file_hash
    ):
        return "unchanged"
    AttachmentText.objects.filter(pk=record.pk).update(status=ExtractionStatus.RUNNING)
    limits = extraction_limits()
    file_hash = ""
    try:
        with tempfile.TemporaryDirectory(prefix="library-extract-") as directory:
            path, file_hash = _copy_to_temp(document, directory, limits)
            result = extract_file(path, limits)
    except (ExtractionError, OSError) as exc:
        message = str(exc) if isinstance(exc, ExtractionError) else "无法读取文件。"
        logger.warning("extraction failed for document %s: %s", document_id, exc)
        record.status, record.error, record.text = ExtractionStatus.FAILED, message, ""
        record.kind, record.pages, record.encoding, record.truncated = (
            "",
            None,
            "",
            False,
        )
    else:
        record.status, record.text = ExtractionStatus.DONE, result.text
        record.kind, record.pages = result.kind, result.pages
        record.encoding, record.truncated = result.encoding, result.truncated
        record.error = ";".join(result.warnings)
    record.file_hash = document.file_hash or file_hash
    record.save()
    reindex_pages_using(document)
    return record.status


def reindex_pages_using(document) -> int:
    """Schedule a search update of every document page that attaches this file."""
    from search.indexing import schedule_update

    pages = PolicyDocumentPage.objects.filter(attachments__document=document).distinct()
    count = 0
    for page in pages:
        schedule_update(page)
        count += 1
    return count


def retry_extraction(record: AttachmentText) -> None:
    """Run a file's extraction again (admin action for failed or stale records)."""
    AttachmentText.objects.filter(pk=record.pk).update(
        status=ExtractionStatus.PENDING, error="", file_hash=""
    )
    from library.tasks import extract_attachment_text

    document_id = record.document_id
    transaction.on_commit(lambda: extract_attachment_text.enqueue(document_id))


def ensure_library_page() -> PolicyLibraryPage:
    """The site's 文件库 page, created (live, in the menu) under the home page if missing."""
    from home.sections import publish_under_home

    library = PolicyLibraryPage.objects.first()
    if library:
        return library
    return publish_under_home(
        PolicyLibraryPage(
            title="文件库",
            slug="wenjianku",
            show_in_menus=True,
            intro="<p>党内法规、上级文件与本单位制度，可按发文机关、年份、主题分类检索。</p>",
        ),
        no_home="站点还没有首页，无法创建文件库页面。",
    )


EDITOR_ROLES = {
    "站点管理员": ["add_page", "change_page", "publish_page", "bulk_delete_page"],
    "审核员": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    "宣传员": ["add_page", "change_page"],
}
LIBRARY_WORKFLOW_NAME = "文件库审核发布"


def _grant_permissions(library: PolicyLibraryPage) -> None:
    """Library editors may write documents under the library and upload attachments."""
    from django.contrib.auth.models import Group
    from wagtail.models import Collection

    from home.sections import grant_collection_permissions, grant_page_permissions

    root_collection = Collection.get_first_root_node()
    if root_collection is None:
        return
    for name, codenames in EDITOR_ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        grant_page_permissions(group, library, codenames)
        grant_collection_permissions(
            group,
            root_collection,
            [
                ("wagtaildocs", codename)
                for codename in ("add_document", "change_document", "choose_document")
            ],
        )


def install_library_section() -> PolicyLibraryPage:
    """The 文件库 page, its editors' permissions and its review (setup_site).

    宣传员 write documents and submit them; 审核员 approve and publish them, with the
    same one-step review as news (a workflow of its own, so either can change alone).
    """
    from django.contrib.auth.models import Group

    from news.services import REVIEWER, assign_review_workflow

    library = ensure_library_page()
    _grant_permissions(library)
    reviewers, _ = Group.objects.get_or_create(name=REVIEWER)
    assign_review_workflow(library, reviewers, LIBRARY_WORKFLOW_NAME)
    return library
