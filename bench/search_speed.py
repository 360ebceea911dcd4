"""Index build throughput, index size and JSON API latency on the full corpus.

Usage: .venv/bin/python bench/search_speed.py [--workdir DIR] [--queries 600] [--reuse]
Builds the embedded index from ../shared/corpus/policy-docs.jsonl.gz (analysis
included), then times GET /api/search through Django's test client (view, query
parsing, synonyms, engine, snippets, JSON and the query log) over generated queries.
With ELASTICSEARCH_URL set, the Elasticsearch engine is measured too (index
``bench-speed``, dropped at the end unless --reuse).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_corpus import (
    backend_params,
    corpus_rows,
    drop_index,
    setup_django,
    to_document,
)


def make_queries(rows: list[dict], n: int, seed: int = 7) -> list[str]:
    """A mix of title words, two-character words, body phrases, 发文字号 and two-word queries."""
    rng = random.Random(seed)
    queries: list[str] = []
    numbers = [r["doc_number"] for r in rows if r.get("doc_number")]
    while len(queries) < n:
        row = rng.choice(rows)
        kind = rng.randrange(6)
        title = re.sub(r"^(中华人民共和国|最高人民法院关于)", "", row["title"])
        if kind == 0:
            start = rng.randrange(max(1, len(title) - 4))
            queries.append(title[start : start + rng.choice([4, 5, 6])])
        elif kind == 1:
            start = rng.randrange(max(1, len(title) - 2))
            queries.append(title[start : start + 2])
        elif kind == 2:
            line = rng.choice(row["body"].split("\n"))
            parts = [
                p for p in re.split(r"[，。；：、（）\s]", line) if 6 <= len(p) <= 14
            ]
            if parts:
                queries.append(rng.choice(parts))
        elif kind == 3 and numbers:
            queries.append(rng.choice(numbers))
        elif kind == 4:
            words = [w for w in re.split(r"[的和与及、《》（）]", title) if len(w) >= 2]
            if len(words) >= 2:
                queries.append(" ".join(rng.sample(words, 2))[:20])
        else:
            start = rng.randrange(max(1, len(title) - 3))
            queries.append(title[start : start + 3])
    return [q for q in queries if q.strip()][:n]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def rss_mb() -> float:
    """Peak resident memory of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--workdir", default=os.path.join(tempfile.gettempdir(), "search-speed")
    )
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--reuse", action="store_true", help="keep an existing index")
    args = parser.parse_args()
    setup_django()
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment

    from search.backends import reset_backends
    from search.backends.base import create_backend

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rows = list(corpus_rows())
    chars = sum(len(r["body"]) for r in rows)
    print(f"corpus: {len(rows)} documents, {chars / 1e6:.1f} M characters of body text")
    engines = ["embedded"] + (
        ["elasticsearch"] if os.environ.get("ELASTICSEARCH_URL") else []
    )
    queries = make_queries(rows, args.queries)
    for engine in engines:
        params = backend_params(engine, workdir, "speed")
        backend = create_backend("default", params)
        print(f"\n== {engine}")
        if not (args.reuse and backend.count() == len(rows)):
            rss_before = rss_mb()
            started = time.perf_counter()
            cpu_started = time.process_time()
            written = backend.rebuild(to_document(r) for r in rows)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            print(
                f"index build: {written} docs in {wall:.1f}s wall = {written / wall:.0f} docs/s"
                f" ({written / cpu:.0f} docs/s per CPU-second of this process;"
                f" load average {os.getloadavg()[0]:.1f})"
            )
            print(f"peak RSS: {rss_before:.0f} MB before, {rss_mb():.0f} MB after")
        size = backend.size_bytes()
        if size:
            print(
                f"index size: {size / 1e6:.1f} MB ({size / chars:.1f} bytes per body character)"
            )
        backend.close()
        with override_settings(PORTAL_SEARCH_BACKENDS={"default": params}):
            reset_backends()
            client = Client()
            for q in queries[:20]:
                client.get("/api/search", {"q": q})
            latencies, cpu_times, totals = [], [], []
            for q in queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get("/api/search", {"q": q})
                latencies.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu_started) * 1000)
                assert response.status_code == 200, response.content[:200]
                totals.append(response.json()["total"])
            facet_latencies = []
            for q in queries[:200]:
                started = time.perf_counter()
                client.get("/api/search", {"q": q, "type": "policy"})
                facet_latencies.append((time.perf_counter() - started) * 1000)
            reset_backends()
        print(
            f"GET /api/search over {len(latencies)} queries: p50 {percentile(latencies, 50):.1f} ms,"
            f" p95 {percentile(latencies, 95):.1f} ms, p99 {percentile(latencies, 99):.1f} ms,"
            f" max {max(latencies):.1f} ms; mean hits {statistics.mean(totals):.0f},"
            f" zero-hit queries {sum(1 for t in totals if t == 0)}"
        )
        print(
            f"  CPU time per request of this process:"
            f" p50 {percentile(cpu_times, 50):.1f} ms, p95 {percentile(cpu_times, 95):.1f} ms;"
            f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(
            f"GET /api/search&type=policy (5 facets) over {len(facet_latencies)} queries:"
            f" p50 {percentile(facet_latencies, 50):.1f} ms, p95 {percentile(facet_latencies, 95):.1f} ms"
        )
        if engine == "elasticsearch" and not args.reuse:
            drop_index(create_backend("default", params))


if __name__ == "__main__":
    main()
