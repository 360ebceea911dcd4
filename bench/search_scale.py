"""Search at scale: N synthetic policy documents, import throughput and API latency.

Usage: .venv/bin/python bench/search_scale.py [--docs 100000] [--queries 600]
       [--engines embedded,elasticsearch] [--workdir DIR] [--reuse] [--keep] [--seed 1]
       [--analysis default|serial|parallel] [--rebuild]

Synthesises N documents from ../shared/corpus/policy-docs.jsonl.gz (each from its
own seeded generator, so document i is the same in every run): a corpus title
re-issued by another place, revised, or turned into implementing rules; a date in
1990–2026; an issuer and a 发文字号 prefix from the corpus; a body of paragraphs
sliced from a corpus body (continued from another one when short), its length
drawn from the corpus' own length distribution. They are streamed into each engine
with ``backend.rebuild`` (never more than a bulk batch in memory) and the bench
prints documents/s, CPU seconds, index size and peak RSS; then it times GET
/api/search through Django's test client over generated queries (plain, with
type=policy and its facets, with a facet filter or a date range, browsing without
text) and prints p50/p95/p99 latency and CPU per request: first for the queries
right after start (cold caches), then for a second, different set of queries from
other documents (seed + 1), the steady state of a server that has been answering.

Elasticsearch (when listed and ELASTICSEARCH_URL is set) uses the index
``bench-scale``; the embedded index is ``<workdir>/scale.sqlite3``. Both are
removed at the end unless --keep or --reuse (--reuse skips the import when the
index already holds N documents; with --rebuild as well, the import is a rebuild over
that live index, as ``rebuild_search_index`` does on a server, and the bench prints
how long the part after the last document took and how much memory it needed: the
switch to the new generation and, on the embedded engine, the compaction of the
file). Engines run one after the other.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import logging
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_corpus import (
    backend_params,
    corpus_rows,
    drop_index,
    policy_document,
    setup_django,
)
from search_speed import make_queries, percentile

FIRST_DAY = datetime.date(1990, 1, 1).toordinal()
LAST_DAY = datetime.date(2026, 12, 31).toordinal()
MAX_BODY_CHARS = 150_000
# config/settings/base.py's default for PORTAL_PAGE_CACHE_SECONDS
SERVER_PAGE_CACHE_SECONDS = 600
_PLACE_RE = re.compile(r"^([\u4e00-\u9fff]{2,7}?(?:自治区|自治州|省|市|县))")
_CODE_RE = re.compile(r"^([\u4e00-\u9fff]{1,8})\s*[〔\[(（【]")
_TITLE_PLACE_RE = re.compile(r"^(?:[\u4e00-\u9fff]{2,7}?(?:自治区|自治州|省|市|县))")
DOC_TYPES = [
    ("实施细则", "细则"),
    ("细则", "细则"),
    ("条例", "条例"),
    ("办法", "办法"),
    ("规定", "规定"),
    ("解释", "解释"),
    ("决定", "决定"),
    ("意见", "意见"),
    ("通知", "通知"),
    ("法", "法律"),
]
VALIDITY = ["现行有效"] * 8 + ["已修改", "已废止"]
# 发文字号 prefixes besides the corpus' own (it has few: most numbers there are 令第N号)
CODES = [
    "国发",
    "国办发",
    "国函",
    "财税",
    "发改投资",
    "人社部发",
    "教基",
    "国卫医发",
    "浙政发",
    "沪府发",
    "京政发",
    "豫政",
    "鲁政发",
    "粤府",
    "渝府发",
    "法发",
    "高检发",
]


# -- synthetic documents -------------------------------------------------------


class Synthesiser:
    """Document i of a synthetic corpus, always the same for the same seed."""

    def __init__(self, rows: list[dict], seed: int) -> None:
        self.rows = rows
        self.seed = seed
        self.lengths = [len(r["body"]) for r in rows]
        issuers = [r["issuer"] for r in rows if r.get("issuer")]
        self.issuers = issuers  # frequency-weighted, as in the corpus
        places = Counter(
            m.group(1) for i in issuers if (m := _PLACE_RE.match(i)) is not None
        )
        self.places = sorted(places)
        codes = Counter(
            m.group(1)
            for r in rows
            if r.get("doc_number") and (m := _CODE_RE.match(r["doc_number"]))
        )
        self.codes = sorted(
            {c for c in codes if not c.startswith("中华人民共和国")} | set(CODES)
        )
        self._paragraphs: dict[int, list[str]] = {}

    def paragraphs(self, index: int) -> list[str]:
        """A corpus body split into paragraphs (cached: the corpus is small)."""
        cached = self._paragraphs.get(index)
        if cached is None:
            cached = self._paragraphs[index] = [
                p for p in self.rows[index]["body"].split("\n") if p
            ]
        return cached

    def title(self, rng: random.Random, base: str, year: int) -> str:
        core = base
        place = rng.choice(self.places)
        bare = _TITLE_PLACE_RE.sub("", core)
        form = rng.randrange(8)
        if form == 0 and bare != core:
            return place + bare
        if form == 1:
            return f"{core}（{year}年修订）"
        if form == 2 and core.endswith(("法", "条例")):
            return core + rng.choice(["实施细则", "实施办法", "若干规定"])
        if form == 3:
            return f"{place}关于贯彻《{core}》的实施意见"
        if form == 4:
            return f"{place}关于{bare}有关问题的通知"
        if form == 5:
            return (
                f"{core}（{rng.choice(['试行', '暂行', '征求意见稿', '第二次修正'])}）"
            )
        if form == 6:
            return f"{place}{bare}补充规定" if bare != core else f"{core}补充规定"
        return core

    def body(self, rng: random.Random, start_row: int) -> str:
        """Paragraphs from a corpus body (and the next ones), as long as a corpus body."""
        target = min(self.lengths[rng.randrange(len(self.rows))], MAX_BODY_CHARS)
        parts: list[str] = []
        size = 0
        row = start_row
        paras = self.paragraphs(row)
        pos = rng.randrange(max(1, len(paras) // 2))
        while size < target:
            if pos >= len(paras):
                row = rng.randrange(len(self.rows))
                paras, pos = self.paragraphs(row), 0
                continue
            parts.append(paras[pos])
            size += len(paras[pos]) + 1
            pos += 1
        return "\n".join(parts)

    def row(self, i: int) -> dict:
        """Synthetic record i, shaped like a corpus record."""
        rng = random.Random(f"{self.seed}:{i}")
        base_index = rng.randrange(len(self.rows))
        base = self.rows[base_index]
        date = datetime.date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY))
        issuer = rng.choice(self.issuers)
        title = self.title(rng, base["title"], date.year)
        doc_number = ""
        if rng.random() < 0.35:
            doc_number = (
                f"{rng.choice(self.codes)}〔{date.year}〕{rng.randint(1, 300)}号"
            )
        history = [f"{date.year}年{date.month}月{date.day}日 {issuer}发布"]
        doc_type = next(
            (t for suffix, t in DOC_TYPES if title.endswith(suffix)), "其他"
        )
        return {
            "id": f"syn-{i:07d}",
            "title": title,
            "category": base.get("category"),
            "subcategory": base.get("subcategory"),
            "level": base.get("level") or "",
            "issuer": issuer,
            "date": date.isoformat(),
            "doc_number": doc_number,
            "history": history,
            "doc_type": doc_type,
            "validity": rng.choice(VALIDITY),
            "body": self.body(rng, base_index),
        }


def to_document(row: dict):
    """A synthetic record as the SearchDocument the library's source would produce."""
    date = datetime.date.fromisoformat(row["date"])
    body = "\n".join(
        p for p in [row["doc_number"], row["issuer"], *row["history"], row["body"]] if p
    )
    return policy_document(
        row,
        body,
        date,
        facets={
            "issuer": row["issuer"],
            "year": str(date.year),
            "category": [c for c in (row["category"], row["subcategory"]) if c],
            "doc_type": row["doc_type"],
            "validity": row["validity"],
            "level": row["level"],
        },
        extra={
            "doc_number": row["doc_number"],
            "issuer": row["issuer"],
            "validity": row["validity"],
        },
    )


# -- measuring -----------------------------------------------------------------


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory of this process (VmRSS) or its peak since reset (VmHWM), MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux clear_refs 5); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def load() -> float:
    return os.getloadavg()[0]


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def es_cpu_seconds(url: str) -> float | None:
    """CPU seconds used so far by the Elasticsearch node process(es)."""
    try:
        with urllib.request.urlopen(  # noqa: S310  (a bench URL from the environment)
            url.split(",")[0].rstrip("/") + "/_nodes/stats/process", timeout=5
        ) as response:
            nodes = json.load(response)["nodes"].values()
        return sum(n["process"]["cpu"]["total_in_millis"] for n in nodes) / 1000
    except (OSError, KeyError, ValueError):
        return None


class Sampler:
    """Counts documents as they are consumed; samples RSS and load average."""

    def __init__(self, every: int = 500) -> None:
        self.every = every
        self.count = 0
        self.rss: list[float] = []
        self.loads: list[float] = []
        self.started = time.perf_counter()

    def wrap(self, docs: Iterator) -> Iterator:
        for doc in docs:
            self.count += 1
            if self.count % self.every == 0:
                self.rss.append(rss_mb())
                self.loads.append(load())
            if self.count % 10_000 == 0:
                elapsed = time.perf_counter() - self.started
                print(
                    f"  … {self.count} documents, {elapsed:.0f} s,"
                    f" {self.count / elapsed:.0f} docs/s, RSS {rss_mb():.0f} MB,"
                    f" load {load():.1f}",
                    flush=True,
                )
            yield doc
        self.done_at = time.perf_counter()
        self.peak_at_end = rss_mb("VmHWM")


def import_documents(backend, synth: Synthesiser, n: int, es_url: str | None) -> dict:
    """Stream N synthetic documents into the engine with rebuild; the figures."""
    gc.collect()
    exact_peak = reset_peak_rss()
    rss_before = rss_mb()
    sampler = Sampler()
    es_cpu = es_cpu_seconds(es_url) if es_url else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    children0 = children_cpu()
    docs = sampler.wrap(to_document(synth.row(i)) for i in range(n))
    compact = getattr(backend, "_compact", None)
    timing: dict[str, float] = {}
    if compact is not None:  # the embedded engine's last step: time it on its own

        def timed_compact() -> bool:
            timing["peak_before"] = rss_mb("VmHWM")
            started = time.perf_counter()
            try:
                return compact()
            finally:
                timing["seconds"] = time.perf_counter() - started

        backend._compact = timed_compact
    try:
        written = backend.rebuild(docs)
    finally:
        if compact is not None:
            del backend._compact
    done = time.perf_counter()
    wall = done - wall0
    # The embedded engine's rebuild analyses in a child process, ended by now.
    cpu = time.process_time() - cpu0 + children_cpu() - children0
    server_cpu = None
    if es_cpu is not None:
        after = es_cpu_seconds(es_url)
        server_cpu = after - es_cpu if after is not None else None
    peak = rss_mb("VmHWM") if exact_peak else max([rss_before, *sampler.rss])
    return {
        "written": written,
        "wall": wall,
        "cpu": cpu,
        "server_cpu": server_cpu,
        "rss_before": rss_before,
        "rss_peak": peak,
        "rss_peak_exact": exact_peak,
        "load_mean": statistics.mean(sampler.loads) if sampler.loads else load(),
        "load_max": max(sampler.loads, default=load()),
        # after the last document: its batch, the switch, the compaction
        "tail": done - getattr(sampler, "done_at", done),
        "peak_batches": getattr(sampler, "peak_at_end", None) if exact_peak else None,
        "peak_before_compact": timing.get("peak_before") if exact_peak else None,
        "compact": timing.get("seconds"),
    }


def children_cpu() -> float:
    """CPU seconds of this process's children that have ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def synthesis_cost(synth: Synthesiser, n: int = 1000) -> float:
    """CPU seconds per document of synthesis + to_document alone (no analysis)."""
    started = time.process_time()
    for i in range(n):
        to_document(synth.row(i))
    return (time.process_time() - started) / n


# -- queries -------------------------------------------------------------------


def make_requests(synth: Synthesiser, docs: int, n: int, seed: int) -> list[dict]:
    """GET parameters: plain queries, type=policy with facets, filters, browsing."""
    rng = random.Random(seed)
    sample = [synth.row(i) for i in rng.sample(range(docs), min(docs, 1500))]
    texts = make_queries(sample, n, seed=seed)
    requests = []
    for i, q in enumerate(texts):
        row = rng.choice(sample)
        kind = i % 20
        if kind < 11:  # 55 %: plain text
            params = {"q": q}
        elif kind < 15:  # 20 %: type=policy, with its facets
            params = {"q": q, "type": "policy"}
        elif kind < 17:  # 10 %: a facet value chosen
            params = {"q": q, "type": "policy", "issuer": row["issuer"]}
            if kind == 16:
                params = {"q": q, "type": "policy", "year": row["date"][:4]}
        elif kind == 17:  # 5 %: a date range, newest first
            year = int(row["date"][:4])
            params = {
                "q": q,
                "type": "policy",
                "from": f"{year - 3}-01-01",
                "to": f"{year}-12-31",
                "sort": "date",
            }
        elif kind == 18:  # 5 %: the second page
            params = {"q": q, "page": "2"}
        else:  # 5 %: browsing a facet without text
            params = {"type": "policy", "year": row["date"][:4]}
            if i % 40 == 39:
                params = {"type": "policy", "issuer": row["issuer"]}
        requests.append(params)
    return requests


def request_class(params: dict) -> str:
    if "q" not in params:
        return "browse (type+facet, no text)"
    if "from" in params:
        return "type=policy + date range, by date"
    if "issuer" in params or "year" in params:
        return "type=policy + facet filter"
    if "type" in params:
        return "type=policy (6 facets)"
    if "page" in params:
        return "plain, page 2"
    return "plain (type+year facets)"


def time_requests(params_list: list[dict], backend_settings: dict) -> dict:
    """Latency and CPU per GET /api/search through Django's test client.

    With the page-data cache on as a server has it (the test settings turn it
    off): the request's Wagtail site is found once, not with two queries per
    request. /api/search itself is never cached (``never_cache``, no opt-in).
    """
    from django.test import Client, override_settings

    from search.backends import reset_backends

    with override_settings(
        PORTAL_SEARCH_BACKENDS={"default": backend_settings},
        PORTAL_PAGE_CACHE_SECONDS=SERVER_PAGE_CACHE_SECONDS,
    ):
        reset_backends()
        client = Client()
        for params in params_list[:20]:
            client.get("/api/search", params)
        rows = []
        load_samples = []
        for i, params in enumerate(params_list):
            started, cpu0 = time.perf_counter(), time.process_time()
            response = client.get("/api/search", params)
            latency = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu0) * 1000
            body = response.json()
            if response.has_header("X-Page-Cache"):
                raise SystemExit("an /api/search response came from the page cache")
            rows.append(
                {
                    "class": request_class(params),
                    "ms": latency,
                    "cpu": cpu,
                    "status": response.status_code,
                    "total": body.get("total", 0),
                    "params": params,
                }
            )
            if i % 50 == 0:
                load_samples.append(load())
        reset_backends()
    return {"rows": rows, "loads": load_samples}


def print_latency(result: dict, server_cpu: float | None) -> None:
    rows = result["rows"]
    ok = [r for r in rows if r["status"] == 200]
    errors = Counter(r["status"] for r in rows if r["status"] != 200)
    ms = [r["ms"] for r in ok]
    cpu = [r["cpu"] for r in ok]
    print(
        f"GET /api/search, {len(rows)} requests: p50 {percentile(ms, 50):.1f} ms,"
        f" p95 {percentile(ms, 95):.1f} ms, p99 {percentile(ms, 99):.1f} ms,"
        f" max {max(ms):.1f} ms, mean {statistics.mean(ms):.1f} ms"
        + (f"; errors {dict(errors)}" if errors else "")
    )
    print(
        f"  CPU of this process per request: p50 {percentile(cpu, 50):.1f} ms,"
        f" p95 {percentile(cpu, 95):.1f} ms, mean {statistics.mean(cpu):.1f} ms"
        + (
            f"; Elasticsearch server CPU {server_cpu * 1000 / len(rows):.1f} ms per request"
            if server_cpu is not None
            else ""
        )
    )
    print(
        f"  mean hits {statistics.mean(r['total'] for r in ok):.0f},"
        f" zero-hit {sum(1 for r in ok if r['total'] == 0)};"
        f" load average during queries: mean {statistics.mean(result['loads']):.2f},"
        f" max {max(result['loads']):.2f}"
    )
    classes = sorted({r["class"] for r in ok})
    for name in classes:
        sub = [r["ms"] for r in ok if r["class"] == name]
        print(
            f"  {name:<36} n={len(sub):<4} p50 {percentile(sub, 50):6.1f}"
            f"  p95 {percentile(sub, 95):6.1f}  p99 {percentile(sub, 99):6.1f} ms"
        )
    buckets = [(0, 1_000), (1_000, 10_000), (10_000, 50_000), (50_000, None)]
    for lo, hi in buckets:
        sub = [
            r["ms"] for r in ok if r["total"] >= lo and (hi is None or r["total"] < hi)
        ]
        if sub:
            label = f"{lo:,}–{hi:,} hits" if hi else f"≥ {lo:,} hits"
            print(
                f"  {label:<36} n={len(sub):<4} p50 {percentile(sub, 50):6.1f}"
                f"  p95 {percentile(sub, 95):6.1f}  p99 {percentile(sub, 99):6.1f} ms"
            )
    slowest = sorted(ok, key=lambda r: r["ms"], reverse=True)[:5]
    print(
        "  slowest: "
        + "; ".join(
            f"{r['ms']:.0f} ms {r['params']} ({r['total']} hits)" for r in slowest
        )
    )


# -- main ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--engines", default="embedded,elasticsearch")
    parser.add_argument(
        "--workdir", default=os.path.join(tempfile.gettempdir(), "search-scale")
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="skip the import if the index holds N docs; keep it",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the indices afterwards"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="with --reuse: rebuild over the index that is there instead of reusing it",
    )
    parser.add_argument(
        "--analysis",
        choices=["default", "serial", "parallel"],
        default="default",
        help="embedded rebuild: analyse in this process only (serial), in a second"
        " one (parallel), or as the machine decides (default)",
    )
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    es_url = os.environ.get("ELASTICSEARCH_URL")
    if "elasticsearch" in engines and not es_url:
        print("ELASTICSEARCH_URL is not set: skipping elasticsearch")
        engines.remove("elasticsearch")

    setup_django()
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    from django.db import connection
    from django.test.utils import setup_test_environment

    from search.backends.base import create_backend

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)

    rows = list(corpus_rows())
    synth = Synthesiser(rows, args.seed)
    lengths = [len(synth.row(i)["body"]) for i in range(0, min(args.docs, 2000))]
    print(
        f"{args.docs} synthetic documents (seed {args.seed}) from {len(rows)} corpus"
        f" documents; body chars: corpus mean {statistics.mean(synth.lengths):.0f},"
        f" median {statistics.median(synth.lengths):.0f}; synthetic (first"
        f" {len(lengths)}) mean {statistics.mean(lengths):.0f},"
        f" median {statistics.median(lengths):.0f}, max {max(lengths)}"
    )
    per_doc = synthesis_cost(synth)
    print(f"synthesis alone: {per_doc * 1000:.2f} ms CPU per document (included below)")
    requests = make_requests(synth, args.docs, args.queries, args.seed)
    # A second, different set of queries from other documents, timed after the first
    # set has run: a server's steady state, with the caches the first queries filled.
    steady = make_requests(synth, args.docs, args.queries, args.seed + 1)
    print(
        f"{len(requests)} requests: "
        + ", ".join(
            f"{k} {v}" for k, v in Counter(map(request_class, requests)).items()
        )
    )
    print(f"load average at start: {loadavg()} on {os.cpu_count()} CPUs", flush=True)

    for engine in engines:
        params = backend_params(engine, workdir, "scale")
        if engine == "embedded" and args.analysis != "default":
            params["PARALLEL_ANALYSIS"] = args.analysis == "parallel"
        backend = create_backend(engine, params)
        print(f"\n== {engine} ({params.get('INDEX') or params['PATH']})", flush=True)
        try:
            existing = backend.count()
            if args.reuse and existing == args.docs and not args.rebuild:
                print(f"reusing the index ({existing} documents)")
            else:
                what = (
                    f"rebuild over a live index of {existing}" if existing else "import"
                )
                print(f"{what} started, load average {loadavg()}", flush=True)
                figures = import_documents(
                    backend,
                    synth,
                    args.docs,
                    es_url if engine == "elasticsearch" else None,
                )
                n, wall, cpu = figures["written"], figures["wall"], figures["cpu"]
                print(
                    f"import: {n} documents in {wall:.0f} s wall = {n / wall:.0f} docs/s;"
                    f" CPU of this process {cpu:.0f} s ({n / cpu:.0f} docs per CPU-second)"
                    + (
                        f"; Elasticsearch server CPU {figures['server_cpu']:.0f} s"
                        if figures["server_cpu"] is not None
                        else ""
                    )
                )
                print(
                    f"  RSS of this process: {figures['rss_before']:.0f} MB before,"
                    f" peak {figures['rss_peak']:.0f} MB"
                    f" ({'VmHWM' if figures['rss_peak_exact'] else 'sampled'});"
                    f" load average during import: mean {figures['load_mean']:.2f},"
                    f" max {figures['load_max']:.2f}; now {loadavg()}",
                    flush=True,
                )
                print(
                    f"  after the last document: {figures['tail']:.0f} s"
                    + (
                        f" (compaction {figures['compact']:.0f} s)"
                        if figures["compact"]
                        else ""
                    )
                    + (
                        f"; peak RSS {figures['peak_batches']:.0f} MB until the last"
                        f" document, {figures['peak_before_compact'] or 0:.0f} MB"
                        " until the compaction"
                        if figures["peak_batches"]
                        else ""
                    ),
                    flush=True,
                )
            size = backend.size_bytes()
            count = backend.count()
            if size:
                on_disk = (
                    f"; the file {Path(params['PATH']).stat().st_size / 1e6:.0f} MB"
                    if params.get("PATH")
                    else ""
                )
                print(
                    f"index: {count} documents, {size / 1e6:.0f} MB"
                    f" ({size / max(count, 1) / 1e3:.1f} kB per document){on_disk}",
                    flush=True,
                )
            backend.close()
            for label, batch in (
                ("first queries after start (cold caches)", requests),
                ("steady state: the next, different queries", steady),
            ):
                print(f"-- {label}", flush=True)
                es_cpu = es_cpu_seconds(es_url) if engine == "elasticsearch" else None
                result = time_requests(batch, params)
                server_cpu = None
                if es_cpu is not None:
                    after = es_cpu_seconds(es_url)
                    server_cpu = after - es_cpu if after is not None else None
                print_latency(result, server_cpu)
                print(f"load average after queries: {loadavg()}", flush=True)
        finally:
            if args.keep or args.reuse:
                backend.close()
            elif engine == "elasticsearch":
                drop_index(backend)
            else:
                backend.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(str(params["PATH"]) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
