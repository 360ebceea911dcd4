"""Ranking quality per engine, and how far the engines agree, over bench/search_eval_queries.jsonl.

Usage: .venv/bin/python bench/search_eval.py [--workdir DIR] [--reindex] [--verbose] [--keep]

The corpus is loaded straight into each engine: embedded always, Elasticsearch too
when ELASTICSEARCH_URL is set (index ``bench-eval``, dropped at the end unless
--keep). "-plain" is the same index ranked by BM25 alone (no re-ranking);
"embedded-broad" ranks every query the way the embedded engine ranks queries too
broad for BM25 at scale (title and body-phrase evidence, then date).

Printed: MRR@10 and Recall@10 per engine, overall and per query kind; with both
engines, the share of queries whose top 3 (external ids, in order) are the same,
the share whose top-3 *sets* are the same, and every query where the order
differs, with both top-3 title lists and the inferred reason (see ``Diagnoser``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_corpus import (
    backend_params,
    corpus_rows,
    drop_index,
    setup_django,
    to_document,
)

QUERIES = Path(__file__).resolve().parent / "search_eval_queries.jsonl"
K = 10
TOP = 3
TIE = 1e-9
NEAR_TIE = 0.01  # final scores closer than this (relative) are a near tie


def load_queries() -> list[dict]:
    """The evaluation set: query, kind and the ids of the documents it should find."""
    return [
        json.loads(line)
        for line in QUERIES.read_text(encoding="utf-8").splitlines()
        if line
    ]


@dataclass
class Ranking:
    """What one engine answered for one query (first page)."""

    ids: list[str]
    titles: list[str]
    scores: list[float]
    dates: list[str] = field(default_factory=list)
    relaxed: bool = False


def run_queries(backend, queries: list[dict]) -> list[Ranking]:
    """The first K hits of every query, as the site would run it (execute)."""
    from search.query import execute, parse

    out = []
    for item in queries:
        results = execute(parse(item["q"], page_size=K), backend=backend)
        out.append(
            Ranking(
                ids=[h.external_id for h in results.hits],
                titles=[h.title for h in results.hits],
                scores=[h.score for h in results.hits],
                dates=[h.date.isoformat() if h.date else "" for h in results.hits],
                relaxed=results.relaxed,
            )
        )
    return out


def quality(
    queries: list[dict], rankings: list[Ranking]
) -> dict[str, tuple[float, float, int]]:
    """(MRR@10, Recall@10, n) overall and per kind."""
    per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for item, ranking in zip(queries, rankings, strict=True):
        relevant = set(item["relevant"])
        got = ranking.ids[:K]
        rr = next((1.0 / (i + 1) for i, g in enumerate(got) if g in relevant), 0.0)
        recall = len(relevant & set(got)) / min(len(relevant), K)
        per_kind[item["kind"]].append((rr, recall))
        per_kind["ALL"].append((rr, recall))
    return {
        kind: (sum(r for r, _ in v) / len(v), sum(c for _, c in v) / len(v), len(v))
        for kind, v in per_kind.items()
    }


def print_quality(engine: str, scores: dict[str, tuple[float, float, int]]) -> None:
    print(f"\n== {engine}")
    print(f"{'kind':<14}{'n':>4}{'MRR@10':>9}{'Recall@10':>11}")
    for kind, (mrr, recall, n) in sorted(scores.items(), key=lambda kv: kv[0] != "ALL"):
        print(f"{kind:<14}{n:>4}{mrr:>9.3f}{recall:>11.3f}")


def print_misses(queries: list[dict], rankings: list[Ranking]) -> None:
    for item, ranking in zip(queries, rankings, strict=True):
        relevant = set(item["relevant"])
        rank = next((i + 1 for i, g in enumerate(ranking.ids) if g in relevant), None)
        if rank != 1:
            first = ranking.titles[0] if ranking.titles else "-"
            print(
                f"  rank {rank or '>10'} {item['kind']:<12} {item['q']!r}"
                f" → top: {first}"
            )


# -- why two engines order a query differently ----------------------------------


@dataclass
class DocView:
    """One document as one engine ranks it for one query."""

    matched: bool = False
    reranked: bool = False  # inside the re-ranking window (title features applied)
    bm25: float = 0.0  # normalised by the query's top BM25 score
    words: float = 0.0  # share of bm25 from word terms (title_terms/body_terms)
    grams: float = 0.0  # share of bm25 from bigram phrases (title_grams/body_grams)
    body_phrase: float = 0.0
    near: bool = False
    final: float = 0.0
    date: str = ""
    title: str = ""
    extra: dict = field(default_factory=dict)


class Diagnoser:
    """Recomputes each engine's ranking features for given documents.

    Reads engine internals (bench-only): the embedded engine's FTS5 match and
    phrase sets, Elasticsearch's raw scores, named queries and explanations.
    The reason for a differing order is inferred from the first pair of
    documents the two engines put in opposite order (see ``reason``).
    """

    def __init__(self, embedded, elastic) -> None:
        self.embedded = embedded
        self.elastic = elastic

    @staticmethod
    def _answered(backend, query):
        """The query the engine actually answered (execute relaxes empty AND queries)."""
        from dataclasses import replace

        from search.documents import MODE_ALL, MODE_ANY

        if (
            query.mode == MODE_ALL
            and len(query.must) > 1
            and backend.count_matches(query) == 0
        ):
            return replace(query, mode=MODE_ANY, should=query.must, must=[])
        return query

    def embedded_view(self, text: str, ids: set[str]) -> dict[str, DocView]:
        from search.backends.embedded import RERANK_DEPTH
        from search.query import parse
        from search.ranking import RankFeatures, TitleScorer, final_score

        b = self.embedded
        query = self._answered(b, parse(text, page_size=K))
        captured: dict = {}
        original = b._match

        def spy(gen, expr, *, scored):
            out = original(gen, expr, scored=scored)
            if scored and "bm25" not in captured:
                captured["expr"], captured["bm25"] = expr, out
            return out

        b._match = spy
        try:
            b.search(query)
        finally:
            del b._match
        gen = b._generation()
        bm25: dict[int, float] = captured.get("bm25", {})
        expr = captured.get("expr", "")
        top = max(bm25.values(), default=0.0) or 1.0
        marks = ",".join("?" * len(ids))
        rows = b.conn.execute(
            f"SELECT id, external_id, title, date FROM docs_{gen}"  # noqa: S608
            f" WHERE external_id IN ({marks})",
            list(ids),
        ).fetchall()
        rowids = [r[0] for r in rows]
        parts = {"words": {}, "grams": {}}
        if expr and rowids:
            for name, weights in (("words", "8,1,0,0"), ("grams", "0,0,4,0.5")):
                parts[name] = dict(
                    b.conn.execute(
                        f"SELECT rowid, -bm25(fts_{gen}, {weights}) FROM fts_{gen}"  # noqa: S608
                        f" WHERE fts_{gen} MATCH ? AND rowid IN ({','.join('?' * len(rowids))})",
                        [expr, *rowids],
                    ).fetchall()
                )
        boosts, held = b._phrase_sets(b._columns(*b._state()), query, ("", 0))
        head = set(sorted(bm25, key=lambda i: bm25[i], reverse=True)[:RERANK_DEPTH])
        if held <= RERANK_DEPTH:
            head |= boosts["body"].keys() & bm25.keys()
        scorer = TitleScorer(query)
        out = {}
        for rowid, ext, title, date in rows:
            view = DocView(date=date or "", title=title, extra={"rowid": rowid})
            if rowid in bm25:
                view.matched = True
                view.bm25 = bm25[rowid] / top
                view.words = parts["words"].get(rowid, 0.0) / top
                view.grams = parts["grams"].get(rowid, 0.0) / top
                view.body_phrase = boosts["body"].get(rowid, 0.0)
                view.near = rowid in boosts["near"]
                view.reranked = rowid in head
                features = RankFeatures(
                    bm25=view.bm25, body_phrase=view.body_phrase, near=view.near
                )
                if view.reranked:
                    scorer.apply(features, title)
                view.final = final_score(features)
            out[ext] = view
        return out

    def elastic_view(self, text: str, ids: set[str]) -> dict[str, DocView]:
        from elasticsearch.dsl import Q, Search

        from search.backends.elasticsearch import RERANK_DEPTH, main_query
        from search.query import parse
        from search.ranking import (
            RankFeatures,
            TitleScorer,
            body_phrase_weight,
            final_score,
        )

        b = self.elastic
        query = self._answered(b, parse(text, page_size=K))
        base = Search(using=b.client, index=b.index_alias).query(main_query(query))
        window = (
            base.sort({"_score": "desc"}, {"key": "asc"})
            .extra(track_scores=True)
            .source(["external_id"])[0:RERANK_DEPTH]
            .execute()
            .hits
        )
        in_window = {h.external_id for h in window}
        top = max((float(h.meta.score) for h in window), default=0.0) or 1.0
        wanted = (
            Search(using=b.client, index=b.index_alias)
            .query(
                Q(
                    "bool",
                    must=[main_query(query)],
                    filter=[Q("terms", external_id=list(ids))],
                )
            )
            .extra(explain=True, track_scores=True)
            .source(["external_id", "title", "date"])[0 : len(ids)]
            .execute()
            .hits
        )
        weights = {
            f"bp{i}": body_phrase_weight(t) for i, t in enumerate(query.boost_phrases)
        }
        scorer = TitleScorer(query)
        out = {ext: DocView() for ext in ids}
        for hit in wanted:
            matched = set(getattr(hit.meta, "matched_queries", []) or [])
            fields = _explained_fields(hit.meta.explanation.to_dict())
            view = DocView(
                matched=True,
                reranked=hit.external_id in in_window,
                bm25=float(hit.meta.score) / top,
                words=(
                    fields["title_terms"]
                    + fields["body_terms"]
                    + fields["combined_terms"]
                )
                / top,
                grams=(
                    fields["title_grams"]
                    + fields["body_grams"]
                    + fields["combined_grams"]
                )
                / top,
                body_phrase=max(
                    (weights.get(m, 0.0) for m in matched if m.startswith("bp")),
                    default=0.0,
                ),
                near="near" in matched,
                date=str(getattr(hit, "date", None) or ""),
                title=hit.title,
                extra={"fields": {k: v / top for k, v in fields.items() if v}},
            )
            features = RankFeatures(
                bm25=view.bm25, body_phrase=view.body_phrase, near=view.near
            )
            if view.reranked:
                scorer.apply(features, hit.title)
                view.final = final_score(features)
            out[hit.external_id] = view
        return out

    def reason(self, text: str, emb: list[str], es: list[str]) -> tuple[str, str]:
        """(category, detail) for the first position where the top lists differ.

        The pair compared is embedded's and Elasticsearch's document at that
        position. Categories, first that applies: "match set" (one engine does not
        match a document), "re-rank window" (outside an engine's re-ranked head),
        "phrase/proximity feature" (body-phrase or NEAR evidence differs), "score
        tie" (equal final scores in one engine), "near tie" (within 1 % in both);
        otherwise normalised BM25 decides, as the title features are the same:
        "BM25: ES title fields outweigh the body" (ES's lead for its pick comes
        from title_terms/title_grams), "BM25 statistics (IDF, length norms)" (the
        word or the bigram part of BM25 prefers different documents in the two
        engines), else "BM25 word vs bigram weighting".
        """
        ids = set(emb) | set(es)
        ev = self.embedded_view(text, ids)
        sv = self.elastic_view(text, ids)
        pos = next(i for i in range(TOP) if emb[i : i + 1] != es[i : i + 1])
        a = emb[pos] if pos < len(emb) else None  # embedded's pick
        b = es[pos] if pos < len(es) else None  # Elasticsearch's pick
        if a is None or b is None:
            return "match set", f"one engine has fewer than {TOP} hits"
        ea, eb, sa, sb = ev[a], ev[b], sv[a], sv[b]
        detail = (
            f"#{pos + 1}: embedded {_fmt(ea)} vs {_fmt(eb)};"
            f" ES {_fmt(sa)} vs {_fmt(sb)}"
        )
        if not (eb.matched and sa.matched):
            return "match set", detail
        if not (sa.reranked and eb.reranked):
            return "re-rank window", detail
        if (ea.body_phrase, ea.near, eb.body_phrase, eb.near) != (
            sa.body_phrase,
            sa.near,
            sb.body_phrase,
            sb.near,
        ):
            return "phrase/proximity feature", detail
        if abs(ea.final - eb.final) < TIE or abs(sa.final - sb.final) < TIE:
            return "score tie", detail
        near_e = abs(ea.final - eb.final) <= NEAR_TIE * max(ea.final, eb.final)
        near_s = abs(sa.final - sb.final) <= NEAR_TIE * max(sa.final, sb.final)
        if near_e and near_s:
            return "near tie (< 1 % apart in both engines)", detail
        if near_e or near_s:
            detail += f"; {'embedded' if near_e else 'ES'} within 1 %"
        # Title features are the same in both engines: the normalised BM25 decides.
        fa, fb = sa.extra.get("fields", {}), sb.extra.get("fields", {})
        title = sum(
            fb.get(f, 0.0) - fa.get(f, 0.0) for f in ("title_terms", "title_grams")
        )
        body = sum(
            fb.get(f, 0.0) - fa.get(f, 0.0) for f in ("body_terms", "body_grams")
        )
        detail += (
            f"; ES pick's BM25 lead: title fields {title:+.3f}, body fields {body:+.3f}"
        )
        if title > 0 and title > body:
            return "BM25: ES title fields outweigh the body", detail
        flips = [
            name
            for name in ("words", "grams")
            if (getattr(ea, name) - getattr(eb, name))
            * (getattr(sa, name) - getattr(sb, name))
            < 0
        ]
        if flips:
            return "BM25 statistics (IDF, length norms)", detail
        return "BM25 word vs bigram weighting", detail


def _explained_fields(node: dict) -> dict[str, float]:
    """Score of an explanation summed per field (title_terms, body_grams, ...).

    A combined_fields clause (BM25F over title and body) counts as
    ``combined_terms`` or ``combined_grams``.
    """
    sums = dict.fromkeys(
        (
            "title_terms",
            "body_terms",
            "title_grams",
            "body_grams",
            "combined_terms",
            "combined_grams",
        ),
        0.0,
    )

    def walk(n: dict) -> None:
        desc = n.get("description", "")
        if desc.startswith("weight(CombinedFieldQuery"):
            name = "combined_terms" if "_terms" in desc else "combined_grams"
            sums[name] += float(n.get("value", 0.0))
            return
        if desc.startswith("weight("):
            name = desc[len("weight(") :].split(":", 1)[0].lstrip('"(')
            if name in sums:
                sums[name] += float(n.get("value", 0.0))
                return
        for child in n.get("details", []):
            walk(child)

    walk(node)
    return sums


def _fmt(v: DocView) -> str:
    if not v.matched:
        return "[no match]"
    flags = "".join(
        [
            "p" if v.body_phrase else "",
            "n" if v.near else "",
            "" if v.reranked else " outside-window",
        ]
    )
    return (
        f"[final {v.final:.3f} bm25 {v.bm25:.3f}"
        f" (w {v.words:.2f}/g {v.grams:.2f}){' ' + flags if flags else ''} {v.date}]"
    )


def _titles(r: Ranking, relevant: set[str]) -> str:
    """The top titles, relevant ones starred."""
    return " | ".join(
        ("*" if i in relevant else "") + t
        for i, t in zip(r.ids[:TOP], r.titles[:TOP], strict=True)
    )


def compare(
    queries: list[dict],
    emb: list[Ranking],
    es: list[Ranking],
    diagnoser: Diagnoser | None,
) -> None:
    """Print top-3 agreement and each differing query with a reason."""
    same_order = same_set = 0
    reasons: Counter[str] = Counter()
    differing = []
    for item, e, s in zip(queries, emb, es, strict=True):
        et, st = e.ids[:TOP], s.ids[:TOP]
        same_order += et == st
        same_set += set(et) == set(st)
        if et != st:
            differing.append((item, e, s))
    n = len(queries)
    print(f"\n== agreement embedded vs elasticsearch (top {TOP})")
    print(f"same top-{TOP} order: {same_order}/{n} = {same_order / n:.1%}")
    print(f"same top-{TOP} set:   {same_set}/{n} = {same_set / n:.1%}")
    for item, e, s in differing:
        category, detail = (
            diagnoser.reason(item["q"], e.ids[:TOP], s.ids[:TOP])
            if diagnoser
            else ("?", "")
        )
        reasons[category] += 1
        relevant = set(item["relevant"])
        print(f"\n- {item['q']!r} ({item['kind']}) — {category}")

        print(f"    embedded: {_titles(e, relevant)}")
        print(f"    ES:       {_titles(s, relevant)}")
        if detail:
            print(f"    {detail}")
    if reasons:
        print("\nreasons: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
        print(
            "(* = a relevant document; p = body phrase, n = near; w/g = word/bigram share of bm25)"
        )


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
    parser.add_argument(
        "--verbose", action="store_true", help="list queries not at rank 1"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the Elasticsearch index"
    )
    args = parser.parse_args()
    setup_django()
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    from search.backends.base import create_backend

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    engines = ["embedded"]
    if os.environ.get("ELASTICSEARCH_URL"):
        engines.append("elasticsearch")
    queries = load_queries()
    print(f"{len(queries)} queries from {QUERIES.name}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    backends = {}
    rankings: dict[str, list[Ranking]] = {}
    try:
        for engine in engines:
            params = backend_params(engine, workdir, "eval")
            params["SEARCH_TIMEOUT"] = 30  # a loaded machine must not fail the eval
            backend = backends[engine] = create_backend(engine, params)
            build(backend, args.reindex)
            rankings[engine] = run_queries(backend, queries)
            print_quality(engine, quality(queries, rankings[engine]))
            if args.verbose:
                print_misses(queries, rankings[engine])
            plain = create_backend(f"{engine}-plain", {**params, "RERANK": False})
            rankings[f"{engine}-plain"] = run_queries(plain, queries)
            print_quality(
                f"{engine}-plain", quality(queries, rankings[f"{engine}-plain"])
            )
            plain.close()
            if engine == "embedded":
                # Every query ranked as broad queries are at scale (no BM25).
                broad = create_backend("embedded-broad", {**params, "SCORE_BUDGET": -1})
                rankings["embedded-broad"] = run_queries(broad, queries)
                print_quality(
                    "embedded-broad", quality(queries, rankings["embedded-broad"])
                )
                broad.close()
        if "elasticsearch" in backends:
            compare(
                queries,
                rankings["embedded"],
                rankings["elasticsearch"],
                Diagnoser(backends["embedded"], backends["elasticsearch"]),
            )
            emb_p, es_p = rankings["embedded-plain"], rankings["elasticsearch-plain"]
            same = sum(
                e.ids[:TOP] == s.ids[:TOP] for e, s in zip(emb_p, es_p, strict=True)
            )
            print(
                f"\nBM25 alone (-plain), same top-{TOP} order: {same}/{len(queries)}"
                f" = {same / len(queries):.1%}"
            )
        print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for engine, backend in backends.items():
            if engine == "elasticsearch" and not args.keep:
                drop_index(backend)
            else:
                backend.close()


if __name__ == "__main__":
    main()
