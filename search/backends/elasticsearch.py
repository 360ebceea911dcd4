"""Elasticsearch engine: the same analysed terms in whitespace-analysed fields.

Documents live in a timestamped index behind the alias ``INDEX``; a rebuild fills a
new index (reachable as ``INDEX-building`` so live writes land in both), then swaps
the alias in one ``_aliases`` call and drops the old index. Ranking mirrors the
embedded engine: BM25 over weighted term and bigram fields, then the shared
phrase/proximity/title re-ranking of search.ranking on the top hits. Highlights
come from search.highlight on the stored original text, as for every engine.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Iterable, Iterator

from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import Date, Document, Index, Keyword, MetaField, Q, Search, Text

from search import analysis
from search.backends.base import BaseSearchBackend
from search.documents import (
    MODE_ANY,
    SCOPE_TITLE,
    SORT_DATE_ASC,
    SORT_DATE_DESC,
    FacetValue,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from search.highlight import highlight_title, snippet
from search.ranking import RankFeatures, TitleScorer, body_phrase_weight, final_score
from search.suggesting import _initial_variants, pinyin_keys, rank_suggestions

# boosts mirror the embedded engine's bm25 column weights
WEIGHTS = {"title_terms": 8.0, "body_terms": 1.0, "title_grams": 4.0, "body_grams": 0.5}
RERANK_DEPTH = 300
PREFIX_EXPANSIONS = 1024
CHUNK = 200
FACET_SEP = ":"


class IndexedDocument(Document):
    """Mapping of one search document; analysed fields are whitespace-split terms."""

    key = Keyword()
    type = Keyword()
    title = Text(index=False)
    body = Text(index=False)
    url = Keyword(index=False, doc_values=False)
    date = Date()
    external_id = Keyword()
    facet_pairs = Keyword()
    title_terms = Text(analyzer="whitespace")
    body_terms = Text(analyzer="whitespace")
    title_grams = Text(analyzer="whitespace")
    body_grams = Text(analyzer="whitespace")
    suggest_norm = Keyword()
    initials = Keyword()
    pinyin = Keyword()

    class Meta:
        dynamic = MetaField(False)
        _source = MetaField(
            excludes=["title_terms", "body_terms", "title_grams", "body_grams"]
        )


def to_source(doc: SearchDocument) -> dict:
    """The _source of a document: original fields plus its analysed terms."""
    normalized_body = analysis.normalize(doc.body)
    initials, pinyin = pinyin_keys(doc.title)
    return {
        "key": doc.key,
        "type": doc.type,
        "title": doc.title,
        "body": doc.body,
        "url": doc.url,
        "date": doc.date.isoformat() if doc.date else None,
        "external_id": doc.external_id,
        "facets": doc.facets,
        "extra": doc.extra,
        "facet_pairs": [
            f"{name}{FACET_SEP}{value}" for name, value in doc.facet_pairs()
        ],
        "title_terms": " ".join(analysis.analyze(doc.title)),
        "body_terms": " ".join(analysis.analyze(doc.body)),
        "title_grams": " ".join(analysis.grams(doc.title)),
        "body_grams": " ".join(analysis.grams(normalized_body, normalized=True)),
        "suggest_norm": analysis.normalize(doc.title),
        "initials": initials,
        "pinyin": pinyin,
    }


def phrase_query(field: str, grams: list[str], **extra) -> Q:
    """A bigram phrase on one field; a trailing "x*" becomes a prefix."""
    boost = extra.pop("boost", WEIGHTS.get(field, 1.0))
    if grams and grams[-1].endswith("*"):
        stem = [*grams[:-1], grams[-1][:-1]]
        if len(stem) == 1:
            return Q("prefix", **{field: {"value": stem[0], "boost": boost}})
        return Q(
            "match_phrase_prefix",
            **{
                field: {
                    "query": " ".join(stem),
                    "max_expansions": PREFIX_EXPANSIONS,
                    "boost": boost,
                }
            },
        )
    return Q("match_phrase", **{field: {"query": " ".join(grams), "boost": boost}})


def fragment_query(fragment: str, *, title_only: bool, alone: bool = True) -> Q | None:
    """The fragment as one word, a 发文字号 term, or its bigram phrase, in any field."""
    word_fields = ["title_terms"] if title_only else ["title_terms", "body_terms"]
    gram_fields = ["title_grams"] if title_only else ["title_grams", "body_grams"]
    should: list[Q] = []
    words = analysis.query_words(fragment)
    terms = words if len(words) == 1 else []
    terms += [
        t
        for t in analysis.doc_number_terms(analysis.normalize(fragment), query=True)
        if not t.startswith("docno_")
    ]
    for term in terms:
        should += [
            Q("term", **{f: {"value": term, "boost": WEIGHTS[f]}}) for f in word_fields
        ]
    grams = analysis.query_grams(fragment)
    lone_prefix = len(grams) == 1 and grams[0].endswith("*")
    if grams and not (lone_prefix and should and not alone):
        should += [phrase_query(f, grams) for f in gram_fields]
    if not should:
        return None
    return Q("bool", should=should, minimum_should_match=1)


def items_query(items: list[list[str]], *, any_: bool, title_only: bool) -> Q | None:
    """All (or any) of the items; each item matches any of its alternatives."""
    clauses = []
    for alternatives in items:
        options = [
            q
            for q in (
                fragment_query(a, title_only=title_only, alone=len(items) == 1)
                for a in alternatives
            )
            if q
        ]
        if options:
            clauses.append(
                options[0]
                if len(options) == 1
                else Q("bool", should=options, minimum_should_match=1)
            )
    if not clauses:
        return None
    if any_:
        return Q("bool", should=clauses, minimum_should_match=1)
    return Q("bool", must=clauses)


def feature_queries(query: SearchQuery) -> list[Q]:
    """Zero-score named queries that tell the re-ranker about phrases and proximity."""
    named: list[Q] = []
    for i, text in enumerate(query.boost_phrases):
        grams = analysis.query_grams(text)
        if len(grams) < 2 or not body_phrase_weight(text):
            continue
        if query.scope != SCOPE_TITLE:
            named.append(
                Q(
                    "bool",
                    filter=[phrase_query("body_grams", grams, boost=1.0)],
                    _name=f"bp{i}",
                )
            )
    words = [w for w in query.near_words if len(w) >= 2 and analysis.query_grams(w)][:6]
    if len(words) >= 2 and query.scope != SCOPE_TITLE:
        rules = []
        for word in words:
            grams = [g.rstrip("*") for g in analysis.query_grams(word)]
            rules.append(
                {"match": {"query": " ".join(grams), "ordered": True, "max_gaps": 0}}
            )
        intervals = {
            "intervals": {
                "body_grams": {
                    "all_of": {"intervals": rules, "ordered": False, "max_gaps": 12}
                }
            }
        }
        named.append(Q("bool", filter=[Q(intervals)], _name="near"))
    return named


def base_filters(query: SearchQuery) -> list[Q]:
    """The page's fixed types and the date range (they also bound facet counts)."""
    clauses: list[Q] = []
    if query.types:
        clauses.append(Q("terms", type=query.types))
    if query.date_from or query.date_to:
        bounds = {}
        if query.date_from:
            bounds["gte"] = query.date_from.isoformat()
        if query.date_to:
            bounds["lte"] = query.date_to.isoformat()
        clauses.append(Q("range", date=bounds))
    return clauses


def facet_filters(query: SearchQuery, skip_facet: str | None = None) -> list[Q]:
    """The user's facet selections as filters."""
    clauses = []
    for name, values in query.filters.items():
        if name == skip_facet or not values:
            continue
        if name == "type":
            clauses.append(Q("terms", type=values))
        else:
            clauses.append(
                Q("terms", facet_pairs=[f"{name}{FACET_SEP}{v}" for v in values])
            )
    return clauses


def main_query(query: SearchQuery) -> Q:
    """Text match, exclusions, fixed filters and the re-ranking features."""
    title_only = query.scope == SCOPE_TITLE
    must: list[Q] = []
    if query.has_terms():
        any_ = query.mode == MODE_ANY
        positive = items_query(
            query.should if any_ else query.must, any_=any_, title_only=title_only
        )
        phrases = items_query(
            [[p] for p in query.phrases], any_=False, title_only=title_only
        )
        must = [q for q in (positive, phrases) if q]
        if not must:
            return Q("bool", must_not=[Q("match_all")])
    excluded = items_query([[e] for e in query.exclude], any_=True, title_only=False)
    return Q(
        "bool",
        must=must or [Q("match_all")],
        must_not=[excluded] if excluded else [],
        filter=base_filters(query),
        should=feature_queries(query) if query.has_terms() else [],
    )


class ElasticsearchBackend(BaseSearchBackend):
    """elasticsearch-dsl documents on an index alias, rebuilt then swapped."""

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.index_alias = params.get("INDEX", "portal")
        self.building_alias = f"{self.index_alias}-building"
        self.refresh = "wait_for" if params.get("REFRESH") else False
        self.rerank = params.get("RERANK", True)
        self._client: Elasticsearch | None = None

    @property
    def client(self) -> Elasticsearch:
        """The Elasticsearch client, created on first use."""
        if self._client is None:
            self._client = Elasticsearch(
                self.params["URL"], request_timeout=self.params.get("TIMEOUT", 30)
            )
        return self._client

    def close(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- indices and aliases ---------------------------------------------------

    def _new_index(self) -> str:
        name = f"{self.index_alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000:06d}"
        index = Index(name)
        index.settings(
            number_of_shards=1,
            number_of_replicas=self.params.get("REPLICAS", 0),
            refresh_interval=self.params.get("REFRESH_INTERVAL", "1s"),
        )
        index.document(IndexedDocument)
        index.create(using=self.client)
        return name

    def _indices_of(self, alias: str) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            return []

    def _ensure_index(self) -> None:
        if not self.client.indices.exists_alias(name=self.index_alias):
            name = self._new_index()
            self.client.indices.update_aliases(
                actions=[{"add": {"index": name, "alias": self.index_alias}}]
            )

    def _write_targets(self) -> list[str]:
        self._ensure_index()
        return self._indices_of(self.index_alias) + self._indices_of(
            self.building_alias
        )

    def drop(self) -> None:
        """Delete every index behind the aliases (tests and teardown)."""
        for name in set(
            self._indices_of(self.index_alias) + self._indices_of(self.building_alias)
        ):
            self.client.indices.delete(index=name, ignore_unavailable=True)

    # -- writing ---------------------------------------------------------------

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        """Bulk-index documents into the live index (and the one being rebuilt)."""
        targets = self._write_targets()
        written = 0

        def actions() -> Iterator[dict]:
            nonlocal written
            for doc in docs:
                source = to_source(doc)
                written += 1
                for target in targets:
                    yield {
                        "_op_type": "index",
                        "_index": target,
                        "_id": doc.key,
                        "_source": source,
                    }

        helpers.bulk(self.client, actions(), chunk_size=CHUNK, refresh=self.refresh)
        return written

    def delete(self, keys: Iterable[str]) -> int:
        """Bulk-delete by key; missing documents are not errors."""
        keys = list(keys)
        if not keys:
            return 0
        targets = self._write_targets()
        actions = [
            {"_op_type": "delete", "_index": target, "_id": key}
            for key in keys
            for target in targets
        ]
        _ok, errors = helpers.bulk(
            self.client, actions, raise_on_error=False, refresh=self.refresh
        )
        real = [e for e in errors if next(iter(e.values())).get("status") != 404]
        if real:
            raise RuntimeError(f"Elasticsearch delete failed: {real[:3]}")
        return len(keys) - len(errors)

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Index into a new index, then swap the alias atomically and drop the old one."""
        self._ensure_index()
        for stale in self._indices_of(self.building_alias):
            self.client.indices.delete(index=stale, ignore_unavailable=True)
        new = self._new_index()
        self.client.indices.update_aliases(
            actions=[{"add": {"index": new, "alias": self.building_alias}}]
        )
        written = 0

        def actions() -> Iterator[dict]:
            nonlocal written
            for doc in docs:
                written += 1
                yield {
                    "_op_type": "create",
                    "_index": new,
                    "_id": doc.key,
                    "_source": to_source(doc),
                }

        try:
            for ok, item in helpers.streaming_bulk(
                self.client, actions(), chunk_size=CHUNK, raise_on_error=False
            ):
                if not ok and item.get("create", {}).get("status") != 409:
                    raise RuntimeError(f"Elasticsearch bulk indexing failed: {item}")
            self.client.indices.refresh(index=new)
            old = self._indices_of(self.index_alias)
            self.client.indices.update_aliases(
                actions=[
                    *(
                        {"remove": {"index": name, "alias": self.index_alias}}
                        for name in old
                    ),
                    {"add": {"index": new, "alias": self.index_alias}},
                    {"remove": {"index": new, "alias": self.building_alias}},
                ]
            )
        except BaseException:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        return written

    def clear(self) -> None:
        """Swap in an empty index."""
        self.rebuild([])

    def count(self) -> int:
        """Documents behind the alias."""
        self._ensure_index()
        return int(self.client.count(index=self.index_alias)["count"])

    def size_bytes(self) -> int | None:
        """Store size of the live index."""
        stats = self.client.indices.stats(index=self.index_alias, metric="store")
        return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])

    def get(self, key: str) -> SearchDocument | None:
        """The stored document for a key."""
        self._ensure_index()
        try:
            source = self.client.get(index=self.index_alias, id=key)["_source"]
        except NotFoundError:
            return None
        return _document(source)

    # -- searching -------------------------------------------------------------

    def _search(self) -> Search:
        return Search(using=self.client, index=self.index_alias)

    def search(self, query: SearchQuery) -> SearchResults:
        """Match and filter in Elasticsearch, then re-rank the top hits like embedded."""
        self._ensure_index()
        by_date = query.sort in (SORT_DATE_DESC, SORT_DATE_ASC) or not query.has_terms()
        s = self._search().query(main_query(query)).extra(track_total_hits=True)
        post = facet_filters(query)
        if post:
            s = s.post_filter(Q("bool", filter=post))
        for name in query.facets:
            others = facet_filters(query, skip_facet=name)
            if name == "type":
                terms = {"terms": {"field": "type", "size": 100}}
            else:
                pattern = re.escape(name) + FACET_SEP + ".*"
                terms = {
                    "terms": {"field": "facet_pairs", "size": 100, "include": pattern}
                }
            s.aggs.bucket(
                f"f_{name}",
                "filter",
                filter=Q("bool", filter=others) if others else Q("match_all"),
            ).bucket("values", terms)
        if by_date:
            order = "asc" if query.sort == SORT_DATE_ASC else "desc"
            s = s.sort({"date": {"order": order, "missing": "_last"}}, {"key": "asc"})
            s = s.source(["key"])[query.offset : query.offset + query.page_size]
            response = s.execute()
            page_keys = [hit.meta.id for hit in response.hits]
            scores = dict.fromkeys(page_keys, 0.0)
        else:
            depth = max(RERANK_DEPTH, query.offset + query.page_size)
            s = s.source(["title", "date"])[0:depth]
            response = s.execute()
            ranked = self._rerank(query, response.hits)
            page = ranked[query.offset : query.offset + query.page_size]
            page_keys = [key for key, _ in page]
            scores = dict(page)
        total = int(response.hits.total.value)
        facets = self._facets(query, response)
        return SearchResults(
            total=total,
            hits=self._hits(query, page_keys, scores),
            facets=facets,
            page=query.page,
            page_size=query.page_size,
        )

    def _rerank(self, query: SearchQuery, hits) -> list[tuple[str, float]]:
        rows = [(hit.meta.id, float(hit.meta.score or 0.0), hit) for hit in hits]
        if not rows:
            return []
        if not self.rerank:
            return [(key, score) for key, score, _ in rows]
        top = max(score for _, score, _ in rows) or 1.0
        features: dict[str, RankFeatures] = {}
        scorer = TitleScorer(query)
        weights = {
            f"bp{i}": body_phrase_weight(text)
            for i, text in enumerate(query.boost_phrases)
        }
        dates: dict[str, str] = {}
        for key, score, hit in rows:
            matched = set(getattr(hit.meta, "matched_queries", []) or [])
            f = RankFeatures(
                bm25=score / top,
                body_phrase=max(
                    (weights.get(m, 0.0) for m in matched if m.startswith("bp")),
                    default=0.0,
                ),
                near="near" in matched,
            )
            scorer.apply(f, getattr(hit, "title", "") or "")
            features[key] = f
            dates[key] = getattr(hit, "date", None) or ""
        ranked = sorted(
            features,
            key=lambda k: (final_score(features[k]), str(dates[k]), k),
            reverse=True,
        )
        return [(k, final_score(features[k])) for k in ranked]

    def _facets(self, query: SearchQuery, response) -> dict[str, list[FacetValue]]:
        out: dict[str, list[FacetValue]] = {}
        aggs = response.aggregations.to_dict() if query.facets else {}
        for name in query.facets:
            buckets = aggs.get(f"f_{name}", {}).get("values", {}).get("buckets", [])
            prefix = "" if name == "type" else name + FACET_SEP
            out[name] = [
                FacetValue(value=b["key"][len(prefix) :], count=int(b["doc_count"]))
                for b in buckets
            ]
        return out

    def _hits(
        self, query: SearchQuery, keys: list[str], scores: dict[str, float]
    ) -> list[SearchHit]:
        if not keys:
            return []
        docs = self.client.mget(index=self.index_alias, ids=keys)["docs"]
        sources = {d["_id"]: d["_source"] for d in docs if d.get("found")}
        hits = []
        for key in keys:
            source = sources.get(key)
            if source is None:
                continue
            doc = _document(source)
            hits.append(
                SearchHit(
                    key=doc.key,
                    type=doc.type,
                    title=doc.title,
                    url=doc.url,
                    date=doc.date,
                    external_id=doc.external_id,
                    title_html=highlight_title(doc.title, query.highlight_terms),
                    snippet_html=snippet(doc.body, query.highlight_terms),
                    score=scores.get(key, 0.0),
                    extra=doc.extra,
                    facets={
                        k: (v if isinstance(v, list) else [v])
                        for k, v in doc.facets.items()
                    },
                )
            )
        return hits

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Candidate titles from keyword prefix/wildcard queries, ranked like embedded."""
        self._ensure_index()
        text = analysis.normalize(prefix).strip()
        if not text:
            return []
        compact = text.replace(" ", "")
        should = [
            Q("prefix", suggest_norm=text),
            Q("wildcard", suggest_norm={"value": f"*{_wild(text)}*"}),
        ]
        if compact.isascii() and compact.isalpha():
            should += [
                Q("wildcard", initials={"value": f"*{_wild(v)}*"})
                for v in _initial_variants(compact)
            ]
            if len(compact) >= 3:
                should.append(Q("wildcard", pinyin={"value": f"*{_wild(compact)}*"}))
        s = self._search().query(Q("bool", should=should, minimum_should_match=1))
        s = s.source(["title", "suggest_norm", "initials", "pinyin", "date"])[0:200]
        rows = [
            (h.title, h.suggest_norm, h.initials, h.pinyin, getattr(h, "date", None))
            for h in s.execute().hits
        ]
        return rank_suggestions(prefix, rows, limit)


def _wild(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def _document(source: dict) -> SearchDocument:
    date = source.get("date")
    return SearchDocument(
        key=source["key"],
        type=source["type"],
        title=source.get("title", ""),
        body=source.get("body", ""),
        url=source.get("url") or "",
        date=datetime.date.fromisoformat(date[:10]) if date else None,
        external_id=source.get("external_id"),
        facets=source.get("facets") or {},
        extra=source.get("extra") or {},
    )
