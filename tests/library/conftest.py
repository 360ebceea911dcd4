"""Library fixtures: the library page, a private search index, the test documents."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from .documents import SAMPLES as SAMPLE  # noqa: F401 (re-exported for the tests)
from .documents import records as corpus_records  # noqa: F401


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
