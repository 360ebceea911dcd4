"""Library fixtures: the library page, a private search index, corpus paths."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
SAMPLE = CORPUS / "sample"


@pytest.fixture
def search_index(settings, tmp_path):
    """A fresh embedded search index for this test only."""
    from search.backends.base import get_backend, reset_backends

    settings.PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": tmp_path / "search" / "index.sqlite3",
        }
    }
    reset_backends()
    yield get_backend()
    reset_backends()


@pytest.fixture
def library_page(db, search_index):
    from library.services import ensure_library_page

    return ensure_library_page()


def corpus_records(count: int, *, with_doc_number: int = 0) -> list[dict]:
    """The first records of the corpus, including some that carry a 发文字号."""
    picked: list[dict] = []
    numbered = 0
    with gzip.open(CORPUS / "policy-docs.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["doc_number"] and numbered < with_doc_number:
                picked.append(record)
                numbered += 1
            elif len(picked) - numbered < count - with_doc_number:
                picked.append(record)
            if len(picked) >= count and numbered >= with_doc_number:
                break
    return picked


def write_jsonl(path: Path, records: list, *, gz: bool = False) -> Path:
    """Write records (dicts, or raw strings for broken lines) as JSON Lines."""
    lines = [
        r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records
    ]
    data = ("\n".join(lines) + "\n").encode()
    if gz:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path
