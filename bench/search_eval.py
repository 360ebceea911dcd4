"""Ranking quality: MRR@10 and Recall@10 per engine over bench/search_eval_queries.jsonl.

Usage: .venv/bin/python bench/search_eval.py [--workdir DIR] [--reindex] [--verbose]
The corpus is loaded straight into each engine (embedded always; Elasticsearch when
ELASTICSEARCH_URL is set). "embedded-plain" is the same index ranked by BM25 alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_corpus import backend_params, corpus_rows, setup_django, to_document

QUERIES = Path(__file__).resolve().parent / "search_eval_queries.jsonl"
K = 10


def load_queries() -> list[dict]:
    """The evaluation set: query, kind and the ids of the documents it should find."""
    return [
        json.loads(line)
        for line in QUERIES.read_text(encoding="utf-8").splitlines()
        if line
    ]


def evaluate(
    backend, queries: list[dict], verbose: bool
) -> dict[str, tuple[float, float, int]]:
    """(MRR@10, Recall@10, n) overall and per kind."""
    from search.query import execute, parse

    per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for item in queries:
        results = execute(parse(item["q"], page_size=K), backend=backend)
        got = [h.external_id for h in results.hits]
        relevant = set(item["relevant"])
        rr = next((1.0 / (i + 1) for i, g in enumerate(got) if g in relevant), 0.0)
        recall = len(relevant & set(got)) / min(len(relevant), K)
        per_kind[item["kind"]].append((rr, recall))
        per_kind["ALL"].append((rr, recall))
        if verbose and rr < 1:
            first = results.hits[0].title if results.hits else "-"
            print(f"  rr={rr:.2f} {item['kind']:<12} {item['q']!r} → top: {first}")
    return {
        kind: (sum(r for r, _ in v) / len(v), sum(c for _, c in v) / len(v), len(v))
        for kind, v in per_kind.items()
    }


def build(backend, reindex: bool) -> None:
    """Index the whole corpus unless the index already holds it."""
    if not reindex and backend.count() > 0:
        return
    started = time.perf_counter()
    n = backend.rebuild(to_document(row) for row in corpus_rows())
    print(f"indexed {n} documents in {time.perf_counter() - started:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--workdir", default=os.path.join(tempfile.gettempdir(), "search-bench")
    )
    parser.add_argument("--reindex", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    setup_django()
    from search.backends.base import create_backend

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    engines = ["embedded", "embedded-plain"]
    if os.environ.get("ELASTICSEARCH_URL"):
        engines.append("elasticsearch")
    queries = load_queries()
    print(f"{len(queries)} queries from {QUERIES.name}")
    for engine in engines:
        params = backend_params(engine.split("-")[0], workdir)
        if engine.endswith("-plain"):
            params["RERANK"] = False
        backend = create_backend(engine, params)
        build(backend, args.reindex and not engine.endswith("-plain"))
        scores = evaluate(
            backend, queries, args.verbose and not engine.endswith("-plain")
        )
        print(f"\n== {engine}")
        print(f"{'kind':<14}{'n':>4}{'MRR@10':>9}{'Recall@10':>11}")
        for kind, (mrr, recall, n) in sorted(
            scores.items(), key=lambda kv: kv[0] != "ALL"
        ):
            print(f"{kind:<14}{n:>4}{mrr:>9.3f}{recall:>11.3f}")


if __name__ == "__main__":
    main()
