"""Load ../shared/corpus/policy-docs.jsonl.gz straight into a search backend (benchmarks only)."""

from __future__ import annotations

import datetime
import gzip
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "policy-docs.jsonl.gz"


def setup_django() -> None:
    """Configure Django with the test settings (no site database is touched)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def corpus_rows(path: Path = CORPUS, limit: int | None = None) -> Iterator[dict]:
    """The corpus records, one dict each."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def to_document(row: dict):
    """A corpus record as the SearchDocument the library's source would produce."""
    date = datetime.date.fromisoformat(row["date"]) if row.get("date") else None
    body = "\n".join(
        p
        for p in [row.get("doc_number") or "", *(row.get("history") or []), row["body"]]
        if p
    )
    facets = {
        "issuer": row.get("issuer") or "",
        "year": str(date.year) if date else "",
        "level": row.get("level") or "",
        "category": [c for c in (row.get("category"), row.get("subcategory")) if c],
    }
    return policy_document(
        row, body, date, facets, {"doc_number": row.get("doc_number") or ""}
    )


def policy_document(
    row: dict, body: str, date: datetime.date | None, facets: dict, extra: dict
):
    """The SearchDocument the library's source makes of a policy document."""
    from search.documents import SearchDocument

    return SearchDocument(
        key=f"policy:{row['id']}",
        type="policy",
        title=row["title"],
        body=body,
        url=f"/library/{row['id']}/",
        date=date,
        external_id=row["id"],
        facets=facets,
        extra=extra,
    )


def backend_params(engine: str, workdir: Path, name: str = "corpus") -> dict:
    """Backend settings for a bench run: embedded in workdir, or ES from ELASTICSEARCH_URL.

    Elasticsearch bench indices are named ``bench-<name>`` (never the site's
    ``portal``); a bench drops its index at the end with ``backend.drop()``.
    """
    if engine == "embedded":
        return {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": workdir / f"{name}.sqlite3",
        }
    if engine == "elasticsearch":
        return {
            "BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
            "URL": os.environ["ELASTICSEARCH_URL"],
            "INDEX": f"bench-{name}",
            "REFRESH_INTERVAL": "1s",
        }
    raise ValueError(f"unknown engine {engine!r}")


def drop_index(backend) -> None:
    """Remove a bench index: the Elasticsearch indices behind its alias (embedded: no-op)."""
    drop = getattr(backend, "drop", None)
    if drop is not None:
        drop()
    backend.close()
