"""Elasticsearch ranking variants measured against the embedded engine (an experiment).

Usage: ELASTICSEARCH_URL=http://127.0.0.1:9200 .venv/bin/python bench/search_es_variants.py
       [--workdir DIR] [--reindex] [--keep] [--diff VARIANT]

Runs bench/search_eval_queries.jsonl through Elasticsearch with its text clauses
built in different ways, by replacing ``fragment_query`` of
search.backends.elasticsearch in this process only (nothing in search/ changes),
and prints MRR@10, Recall@10 and the top-3 agreement with the embedded engine:

- current: search.backends.elasticsearch as it is (since this experiment, its
  fragment_query is the bm25f variant below, so the two measure the same);
- bm25f: a word (or 发文字号 term) is one ``combined_fields`` clause over
  title_terms^8 + body_terms, a one-bigram fragment one over title_grams^8 +
  body_grams (4 : 0.5; combined_fields wants boosts >= 1), so the weights scale
  term frequencies inside one BM25 saturation with one IDF, as FTS5's bm25() does;
  longer bigram phrases stay per field, boosted 1 (title) and 0.5 (body);
- bm25f+idf: as bm25f, each clause also boosted by FTS5's IDF over Lucene's
  (FTS5: ln((N-n+0.5)/(n+0.5)), at least 1e-6; a phrase's n is the number of
  documents holding the phrase; Lucene: ln(1+(N-n+0.5)/(n+0.5)), summed over a
  phrase's bigrams). Document frequencies come from _count requests, cached.

--diff VARIANT lists the queries whose top 3 still differ under that variant,
with the reasons search_eval.py infers. Indices: the same as search_eval.py
(``bench-eval``, ``<workdir>/eval.sqlite3``); the Elasticsearch one is dropped at
the end unless --keep.
"""

from __future__ import annotations

import argparse
import functools
import logging
import math
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_corpus import backend_params, drop_index, setup_django
from search_eval import (
    TOP,
    Diagnoser,
    build,
    compare,
    load_queries,
    quality,
    run_queries,
)

VARIANTS = ("current", "bm25f", "bm25f+idf")
WORD_WEIGHTS = (("title_terms", 8.0), ("body_terms", 1.0))
GRAM_WEIGHTS = (("title_grams", 8.0), ("body_grams", 1.0))
PHRASE_WEIGHTS = (("title_grams", 1.0), ("body_grams", 0.5))


class Idf:
    """FTS5-over-Lucene IDF ratios from document frequencies (cached _count calls)."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.n = backend.count()
        self.cache: dict[str, int] = {}

    def df(self, query: dict) -> int:
        key = repr(query)
        if key not in self.cache:
            self.cache[key] = self.backend.client.count(
                index=self.backend.index_alias, query=query
            )["count"]
        return self.cache[key]

    def fts5(self, n: int) -> float:
        value = math.log((self.n - n + 0.5) / (n + 0.5))
        return value if value > 0 else 1e-6

    def lucene(self, n: int) -> float:
        return math.log(1 + (self.n - n + 0.5) / (n + 0.5))

    def term_ratio(self, fields: list[str], term: str) -> float:
        """combined_fields: Lucene takes the largest per-field df; FTS5 the union."""
        union = self.df({"bool": {"should": [{"term": {f: term}} for f in fields]}})
        largest = max(self.df({"term": {f: term}}) for f in fields)
        return self.fts5(union) / self.lucene(largest) if union else 1.0

    def phrase_ratio(self, fields: list[str], field: str, grams: list[str]) -> float:
        from search.backends.elasticsearch import phrase_query

        union = self.df(
            {
                "bool": {
                    "should": [
                        phrase_query(f, grams, boost=1.0).to_dict() for f in fields
                    ]
                }
            }
        )
        lucene = sum(self.lucene(self.df({"term": {field: g}})) for g in grams)
        return self.fts5(union) / lucene if union and lucene else 1.0 / len(grams)


def bm25f_fragment(
    fragment: str, *, title_only: bool, alone: bool = True, idf: Idf | None = None
):
    """fragment_query with BM25F clauses (and optionally FTS5 IDF boosts)."""
    from elasticsearch.dsl import Q

    from search import analysis
    from search.backends.elasticsearch import phrase_query

    count = 1 if title_only else 2
    words_w, grams_w, phrase_w = (
        WORD_WEIGHTS[:count],
        GRAM_WEIGHTS[:count],
        PHRASE_WEIGHTS[:count],
    )

    def combined(weights, term: str) -> Q:
        fields = [f for f, _ in weights]
        boost = idf.term_ratio(fields, term) if idf else 1.0
        return Q(
            "combined_fields",
            query=term,
            fields=[f"{f}^{w}" for f, w in weights],
            boost=boost,
        )

    parts = analysis.fragment_terms(fragment)
    grams = list(parts.grams)
    should = [combined(words_w, t) for t in parts.terms]
    if parts.uses_grams(alone=alone):
        if len(grams) == 1 and not parts.lone_prefix:
            should.append(combined(grams_w, grams[0]))
        else:
            fields = [f for f, _ in phrase_w]
            for field, weight in phrase_w:
                ratio = (
                    idf.phrase_ratio(fields, field, grams)
                    if idf and not grams[-1].endswith("*")
                    else 1.0
                )
                should.append(phrase_query(field, grams, boost=weight * ratio))
    if not should:
        return None
    return Q("bool", should=should, minimum_should_match=1)


def use_variant(name: str, backend) -> None:
    """Install a variant's fragment_query in search.backends.elasticsearch."""
    import search.backends.elasticsearch as es_module

    if not hasattr(use_variant, "original"):
        use_variant.original = es_module.fragment_query
    if name == "current":
        es_module.fragment_query = use_variant.original
    elif name == "bm25f":
        es_module.fragment_query = bm25f_fragment
    elif name == "bm25f+idf":
        es_module.fragment_query = functools.partial(bm25f_fragment, idf=Idf(backend))
    else:
        raise SystemExit(f"unknown variant {name!r}; one of {', '.join(VARIANTS)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--workdir", default=os.path.join(tempfile.gettempdir(), "search-bench")
    )
    parser.add_argument("--reindex", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="keep the Elasticsearch index"
    )
    parser.add_argument("--diff", choices=VARIANTS)
    args = parser.parse_args()
    if not os.environ.get("ELASTICSEARCH_URL"):
        raise SystemExit("set ELASTICSEARCH_URL")
    setup_django()
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    from search.backends.base import create_backend

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    queries = load_queries()
    embedded = create_backend("embedded", backend_params("embedded", workdir, "eval"))
    params = {**backend_params("elasticsearch", workdir, "eval"), "SEARCH_TIMEOUT": 30}
    elastic = create_backend("elasticsearch", params)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    try:
        build(embedded, args.reindex)
        build(elastic, args.reindex)
        reference = run_queries(embedded, queries)
        print(
            f"{'variant':<12}{'MRR@10':>8}{'Recall@10':>11}  same top-{TOP} order / set"
        )
        for name in VARIANTS:
            use_variant(name, elastic)
            rankings = run_queries(elastic, queries)
            mrr, recall, n = quality(queries, rankings)["ALL"]
            order = sum(
                e.ids[:TOP] == s.ids[:TOP]
                for e, s in zip(reference, rankings, strict=True)
            )
            same = sum(
                set(e.ids[:TOP]) == set(s.ids[:TOP])
                for e, s in zip(reference, rankings, strict=True)
            )
            print(f"{name:<12}{mrr:>8.3f}{recall:>11.3f}  {order}/{n} / {same}/{n}")
            if name == args.diff:
                compare(queries, reference, rankings, Diagnoser(embedded, elastic))
        use_variant("current", elastic)
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        embedded.close()
        if args.keep:
            elastic.close()
        else:
            drop_index(elastic)


if __name__ == "__main__":
    main()
