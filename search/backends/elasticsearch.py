"""Elasticsearch engine: the same analysed terms in whitespace-analysed fields.

Documents live in a concrete index behind the alias ``INDEX``. Only setup and
rebuilds create indices; searches never do (a missing index answers "empty, not
built"), so read-only credentials are enough for the site's reads. Every write
goes through an alias (``require_alias``), never a concrete name, so a write can
never recreate a deleted index with a dynamic mapping.

A rebuild holds a lock (an index named ``INDEX-rebuild-lock``), fills a new index
reachable as ``INDEX-building`` (live writes land in both aliases; a delete leaves
a tombstone in the building index so the rebuild cannot resurrect the document),
swaps the aliases in one ``_aliases`` call, drops the old index and purges the
tombstones. The mapping carries ``_meta.mapping_version``; check() names a live
index older than the code, and a rebuild upgrades it with no downtime.

Ranking mirrors the embedded engine: BM25 over weighted term and bigram fields,
then the shared phrase/proximity/title re-ranking of search.ranking on the top
RERANK_DEPTH hits in a stable order (score, then key); deeper pages follow the
same order, so every hit appears exactly once across pages. Highlights come from
search.highlight on the stored head of the text (the whole text only when the
terms occur later), as for every engine.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
import time
from collections.abc import Iterable, Iterator

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    MetaField,
    Q,
    Search,
    Text,
)

from search import analysis
from search.backends.base import BaseSearchBackend, IndexBusy, SearchUnavailable
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
from search.highlight import (
    SNIPPET_HEAD_CHARS,
    head_has_terms,
    highlight_title,
    snippet,
)
from search.ranking import RankFeatures, TitleScorer, body_phrase_weight, final_score
from search.suggesting import _initial_variants, pinyin_syllables, rank_suggestions

logger = logging.getLogger(__name__)

# Raise when the mapping or what is stored changes; older live indices are then
# reported by check() until a rebuild replaces them.
MAPPING_VERSION = 2
# The embedded engine's bm25 column weights (title words 8, body words 1, title
# bigrams 4, body bigrams 0.5) as combined_fields (BM25F) boosts, which must be at
# least 1: the bigrams keep their 4 : 0.5 ratio. Bigram phrases stay per field.
COMBINED_WORDS = [("title_terms", 8.0), ("body_terms", 1.0)]
COMBINED_GRAMS = [("title_grams", 8.0), ("body_grams", 1.0)]
PHRASE_WEIGHTS = [("title_grams", 1.0), ("body_grams", 0.5)]
RERANK_DEPTH = 300
PREFIX_EXPANSIONS = 1024
FACET_SEP = ":"
# Type-ahead matches inside a title from at most this many characters in.
SUGGEST_SUFFIXES = 40
# Bulk requests: at most this many actions and bytes each; 429s retried with backoff.
BULK_ACTIONS = 500
BULK_BYTES = 8 * 1024 * 1024
BULK_RETRIES = 6
# A rebuild lock older than this is taken to be left by a crashed rebuild.
LOCK_TTL_SECONDS = 6 * 3600
# What a results page reads of each hit; the whole body only for late matches.
PAGE_FIELDS = [
    "key",
    "type",
    "title",
    "url",
    "date",
    "external_id",
    "facets",
    "extra",
    "snippet_head",
    "body_chars",
    "tombstone",
]
NOT_TOMBSTONE = Q("term", tombstone=True)


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
    # Type-ahead without leading wildcards: every suffix of the initials, and the
    # pinyin from each syllable on, matched by prefix.
    initials_suffixes = Keyword()
    pinyin_suffixes = Keyword()
    # What results pages read instead of the whole body.
    snippet_head = Text(index=False)
    body_chars = Integer(index=False)
    # A document deleted while a rebuild runs (see ElasticsearchBackend.delete).
    tombstone = Boolean()

    class Meta:
        dynamic = MetaField(False)
        _source = MetaField(
            excludes=["title_terms", "body_terms", "title_grams", "body_grams"]
        )


def to_source(doc: SearchDocument) -> dict:
    """The _source of a document: original fields plus its analysed terms."""
    normalized_body = analysis.normalize(doc.body)
    syllables = pinyin_syllables(doc.title)
    initials = "".join(s[0] for s in syllables)
    pinyin = "".join(syllables)
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
        "body_terms": " ".join(analysis.analyze(normalized_body, normalized=True)),
        "title_grams": " ".join(analysis.grams(doc.title)),
        "body_grams": " ".join(analysis.grams(normalized_body, normalized=True)),
        "suggest_norm": analysis.normalize(doc.title),
        "initials": initials,
        "pinyin": pinyin,
        "initials_suffixes": [
            initials[i:] for i in range(min(len(initials), SUGGEST_SUFFIXES))
        ],
        "pinyin_suffixes": [
            "".join(syllables[i:]) for i in range(min(len(syllables), SUGGEST_SUFFIXES))
        ],
        "snippet_head": doc.body[:SNIPPET_HEAD_CHARS],
        "body_chars": len(doc.body),
    }


def index_body(*, shards: int, replicas: int, refresh_interval: str) -> dict:
    """Settings and mappings of a new index, with the mapping version in _meta."""
    index = Index("portal")
    index.settings(
        number_of_shards=shards,
        number_of_replicas=replicas,
        refresh_interval=refresh_interval,
    )
    index.document(IndexedDocument)
    body = index.to_dict()
    body["mappings"]["_meta"] = {"mapping_version": MAPPING_VERSION}
    return body


def phrase_query(field: str, grams: list[str], *, boost: float) -> Q:
    """A bigram phrase on one field; a trailing "x*" becomes a prefix."""
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


def combined_query(term: str, fields: list[tuple[str, float]]) -> Q:
    """One BM25F score for a term over weighted fields, as FTS5's bm25() scores a row.

    The weights scale term frequencies inside one saturation with one IDF (instead
    of adding a separately normalised score per field, where a title hit counted
    about eight body hits plus the title field's own, higher IDF).
    """
    return Q(
        "combined_fields",
        query=term,
        fields=[f"{field}^{weight:g}" for field, weight in fields],
    )


def fragment_query(fragment: str, *, title_only: bool, alone: bool = True) -> Q | None:
    """The fragment as one word, a 发文字号 term, or its bigram phrase, in any field."""
    count = 1 if title_only else 2
    word_fields = COMBINED_WORDS[:count]
    gram_fields = COMBINED_GRAMS[:count]
    parts = analysis.fragment_terms(fragment)
    grams = list(parts.grams)
    should: list[Q] = [combined_query(term, word_fields) for term in parts.terms]
    if parts.uses_grams(alone=alone):
        if len(grams) == 1 and not parts.lone_prefix:
            should.append(combined_query(grams[0], gram_fields))
        else:
            should += [
                phrase_query(field, grams, boost=weight)
                for field, weight in PHRASE_WEIGHTS[:count]
            ]
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
        must_not=[NOT_TOMBSTONE, *([excluded] if excluded else [])],
        filter=base_filters(query),
        should=feature_queries(query) if query.has_terms() else [],
    )


def _hosts(url: str | list[str]) -> list[str]:
    """One or several node URLs, from a list or a comma-separated string."""
    if isinstance(url, str):
        return [u.strip() for u in url.split(",") if u.strip()]
    return list(url)


def _is_missing_index(error: dict) -> bool:
    return (error.get("error") or {}).get("type") == "index_not_found_exception"


@contextlib.contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    """Turn transport failures and server errors into SearchUnavailable."""
    try:
        yield
    except NotFoundError:
        raise
    except TransportError as exc:  # refused, reset, timed out, TLS
        raise SearchUnavailable(str(exc)) from exc
    except ApiError as exc:
        if exc.meta.status in (429, 500, 502, 503, 504):
            raise SearchUnavailable(str(exc)) from exc
        raise


class ElasticsearchBackend(BaseSearchBackend):
    """elasticsearch-dsl documents on an index alias, rebuilt then swapped.

    Params (from PORTAL_SEARCH_BACKENDS; config/settings/base.py fills them from
    the environment): URL (one or several, comma-separated), API_KEY, CA_CERTS,
    SSL_FINGERPRINT, INDEX (the alias, prefix included), TIMEOUT (writes, seconds),
    SEARCH_TIMEOUT (reads, seconds, the whole search), MAX_RETRIES, SHARDS,
    REPLICAS, REFRESH_INTERVAL, REFRESH (tests: writes wait for a refresh).
    """

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.index_alias = params.get("INDEX", "portal")
        self.building_alias = f"{self.index_alias}-building"
        self.lock_index = f"{self.index_alias}-rebuild-lock"
        self.refresh = "wait_for" if params.get("REFRESH") else False
        self.rerank = params.get("RERANK", True)
        self.search_timeout = float(params.get("SEARCH_TIMEOUT", 1.5))
        self._client: Elasticsearch | None = None

    @property
    def client(self) -> Elasticsearch:
        """The client for writes and administration, created on first use."""
        if self._client is None:
            options: dict = {
                "hosts": _hosts(self.params["URL"]),
                "request_timeout": float(self.params.get("TIMEOUT", 30)),
                "max_retries": int(self.params.get("MAX_RETRIES", 3)),
                "retry_on_timeout": True,
                "retry_on_status": (429, 502, 503, 504),
            }
            if self.params.get("API_KEY"):
                options["api_key"] = self.params["API_KEY"]
            if self.params.get("CA_CERTS"):
                options["ca_certs"] = str(self.params["CA_CERTS"])
            if self.params.get("SSL_FINGERPRINT"):
                options["ssl_assert_fingerprint"] = self.params["SSL_FINGERPRINT"]
            self._client = Elasticsearch(**options)
        return self._client

    def _reader(self, deadline: float) -> Elasticsearch:
        """The client for one read: no retries, at most what is left of the deadline."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise SearchUnavailable("search deadline passed")
        return self.client.options(request_timeout=left, max_retries=0)

    def _deadline(self) -> float:
        return time.monotonic() + self.search_timeout

    def close(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- indices, aliases and the rebuild lock ----------------------------------

    def _create_index(self, name: str, *, aliases: dict | None = None) -> None:
        body = index_body(
            shards=int(self.params.get("SHARDS", 1)),
            replicas=int(self.params.get("REPLICAS", 0)),
            refresh_interval=str(self.params.get("REFRESH_INTERVAL", "1s")),
        )
        self.client.indices.create(index=name, aliases=aliases or {}, **body)

    def _new_index_name(self) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S")
        return f"{self.index_alias}-v{MAPPING_VERSION}-{stamp}-{time.time_ns() % 1_000_000:06d}"

    def _indices_of(self, alias: str) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            return []

    def ensure_index(self) -> None:
        """Create the first index behind the alias if there is none (setup, writes).

        The index and its alias are created in one request under a fixed name, so
        concurrent first writers cannot put two indices behind the alias.
        """
        if self.client.indices.exists_alias(name=self.index_alias):
            return
        try:
            self._create_index(
                f"{self.index_alias}-v{MAPPING_VERSION}-initial",
                aliases={self.index_alias: {}},
            )
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    @contextlib.contextmanager
    def _rebuild_lock(self) -> Iterator[None]:
        """Hold the rebuild lock: an index created only if absent (atomic)."""
        for _attempt in range(2):
            try:
                self.client.indices.create(
                    index=self.lock_index,
                    settings={"number_of_shards": 1, "number_of_replicas": 0},
                    mappings={"_meta": {"started": time.time()}},
                )
                break
            except ApiError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
                if not self._lock_is_stale():
                    raise IndexBusy(
                        f"另一个重建正在进行（锁 {self.lock_index}）；请等它完成后再试。"
                    ) from exc
                logger.warning("removing a stale rebuild lock %s", self.lock_index)
                self.client.indices.delete(
                    index=self.lock_index, ignore_unavailable=True
                )
        else:
            raise IndexBusy(f"无法取得重建锁 {self.lock_index}")
        try:
            yield
        finally:
            self.client.indices.delete(index=self.lock_index, ignore_unavailable=True)

    def _lock_is_stale(self) -> bool:
        try:
            mapping = self.client.indices.get_mapping(index=self.lock_index)
        except NotFoundError:
            return True
        meta = next(iter(mapping.values()), {}).get("mappings", {}).get("_meta", {})
        ttl = float(self.params.get("LOCK_TTL", LOCK_TTL_SECONDS))
        return time.time() - float(meta.get("started", 0)) > ttl

    def drop(self) -> None:
        """Delete every index behind the aliases, and the lock (tests and teardown)."""
        names = set(self._indices_of(self.index_alias)) | set(
            self._indices_of(self.building_alias)
        )
        for name in [*names, self.lock_index]:
            self.client.indices.delete(index=name, ignore_unavailable=True)

    def check(self) -> list[str]:
        """Live indices whose mapping is older than the code, or an unreachable cluster."""
        try:
            mappings = self.client.options(
                request_timeout=self.search_timeout, max_retries=0
            ).indices.get_mapping(index=self.index_alias)
        except NotFoundError:
            return [
                f"搜索索引 {self.index_alias} 尚未建立：请运行 manage.py rebuild_search_index。"
            ]
        except (TransportError, ApiError) as exc:
            return [f"无法读取搜索索引 {self.index_alias} 的映射：{exc}"]
        problems = []
        for name, body in mappings.items():
            version = int(
                body.get("mappings", {}).get("_meta", {}).get("mapping_version", 1)
            )
            if version < MAPPING_VERSION:
                problems.append(
                    f"搜索索引 {name} 的映射版本为 {version}，旧于代码的版本 "
                    f"{MAPPING_VERSION}：请运行 manage.py rebuild_search_index"
                    "（新索引建好后原子切换，搜索不中断）。"
                )
        return problems

    # -- writing ---------------------------------------------------------------

    def _bulk(self, actions: Iterable[dict]) -> list[dict]:
        """Send actions in chunks bounded by count and bytes, retrying 429s; errors."""
        errors = []
        for ok, item in helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=BULK_ACTIONS,
            max_chunk_bytes=int(self.params.get("BULK_BYTES", BULK_BYTES)),
            max_retries=BULK_RETRIES,
            initial_backoff=float(self.params.get("BULK_BACKOFF", 1.0)),
            max_backoff=30,
            raise_on_error=False,
            yield_ok=False,
            require_alias=True,
            refresh=self.refresh,
        ):
            if not ok:
                errors.append(next(iter(item.values())))
        return errors

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        """Index documents through the live alias (and the building one, if any)."""
        sources = [(doc.key, to_source(doc)) for doc in docs]
        if not sources:
            return 0

        def actions(aliases: list[str]) -> Iterator[dict]:
            for key, source in sources:
                for alias in aliases:
                    yield {
                        "_op_type": "index",
                        "_index": alias,
                        "_id": key,
                        "_source": source,
                    }

        errors = self._bulk(actions([self.index_alias, self.building_alias]))
        missing_live = [
            e
            for e in errors
            if e.get("_index") == self.index_alias and _is_missing_index(e)
        ]
        if missing_live:
            # No index yet (a fresh site): create the first one and write again.
            self.ensure_index()
            errors = [e for e in errors if e not in missing_live]
            errors += self._bulk(actions([self.index_alias]))
        real = [
            e
            for e in errors
            if not (e.get("_index") == self.building_alias and _is_missing_index(e))
        ]
        if real:
            raise RuntimeError(f"Elasticsearch indexing failed: {real[:3]}")
        return len(sources)

    def delete(self, keys: Iterable[str]) -> int:
        """Delete by key from the live index; tombstone it in a building one."""
        keys = list(keys)
        if not keys:
            return 0
        actions = []
        for key in keys:
            actions.append(
                {"_op_type": "delete", "_index": self.index_alias, "_id": key}
            )
            actions.append(
                {
                    "_op_type": "index",
                    "_index": self.building_alias,
                    "_id": key,
                    "_source": {"key": key, "tombstone": True},
                }
            )
        errors = self._bulk(actions)
        real = [
            e for e in errors if e.get("status") != 404 and not _is_missing_index(e)
        ]
        if real:
            raise RuntimeError(f"Elasticsearch delete failed: {real[:3]}")
        return len(keys)

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Index into a new index, swap the aliases atomically, drop the old one."""
        with self._rebuild_lock():
            new = self._new_index_name()
            self._create_index(new, aliases={self.building_alias: {}})
            written = 0

            def actions() -> Iterator[dict]:
                nonlocal written
                for doc in docs:
                    written += 1
                    yield {
                        "_op_type": "create",
                        "_index": self.building_alias,
                        "_id": doc.key,
                        "_source": to_source(doc),
                    }

            try:
                # A 409 means a live write (or a tombstone) got there first: newer.
                real = [e for e in self._bulk(actions()) if e.get("status") != 409]
                if real:
                    raise RuntimeError(
                        f"Elasticsearch bulk indexing failed: {real[:3]}"
                    )
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
            self._purge_tombstones()
        return written

    def _purge_tombstones(self) -> None:
        """Delete the tombstones a rebuild left in the now live index.

        Each delete is conditional on the tombstone's sequence number, so a document
        written again since the tombstone was read is left alone (409, ignored).
        """
        while True:
            response = self.client.search(
                index=self.index_alias,
                query={"term": {"tombstone": True}},
                size=1000,
                source=False,
                seq_no_primary_term=True,
            )
            hits = response["hits"]["hits"]
            if not hits:
                return
            errors = self._bulk(
                {
                    "_op_type": "delete",
                    "_index": self.index_alias,
                    "_id": hit["_id"],
                    "if_seq_no": hit["_seq_no"],
                    "if_primary_term": hit["_primary_term"],
                }
                for hit in hits
            )
            if self.refresh is False:
                self.client.indices.refresh(index=self.index_alias)
            if len(errors) == len(hits):
                return

    def clear(self) -> None:
        """Swap in an empty index."""
        self.rebuild([])

    def count(self) -> int:
        """Documents behind the alias (0 when no index is built)."""
        try:
            with _unavailable_on_failure():
                return int(
                    self._reader(self._deadline()).count(
                        index=self.index_alias,
                        query={"bool": {"must_not": [NOT_TOMBSTONE.to_dict()]}},
                    )["count"]
                )
        except NotFoundError:
            return 0

    def count_matches(self, query: SearchQuery) -> int:
        """How many documents match, with the _count API (no ranking, no fetching)."""
        try:
            with _unavailable_on_failure():
                return int(
                    self._reader(self._deadline()).count(
                        index=self.index_alias, query=main_query(query).to_dict()
                    )["count"]
                )
        except NotFoundError:
            return 0

    def size_bytes(self) -> int | None:
        """Store size of the live index."""
        try:
            stats = self.client.indices.stats(index=self.index_alias, metric="store")
        except (NotFoundError, TransportError):
            return None
        return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])

    def get(self, key: str) -> SearchDocument | None:
        """The stored document for a key."""
        try:
            with _unavailable_on_failure():
                source = self._reader(self._deadline()).get(
                    index=self.index_alias, id=key
                )["_source"]
        except NotFoundError:
            return None
        if source.get("tombstone"):
            return None
        return _document(source)

    # -- searching -------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        """Match and filter in Elasticsearch, then re-rank the top hits like embedded."""
        deadline = self._deadline()
        try:
            with _unavailable_on_failure():
                return self._search(query, deadline)
        except NotFoundError:
            return SearchResults(
                total=0,
                hits=[],
                facets={name: [] for name in query.facets},
                page=query.page,
                page_size=query.page_size,
                index_missing=True,
            )

    def _search(self, query: SearchQuery, deadline: float) -> SearchResults:
        by_date = query.sort in (SORT_DATE_DESC, SORT_DATE_ASC) or not query.has_terms()
        start, end = query.offset, query.offset + query.page_size
        base = Search(using=self._reader(deadline), index=self.index_alias).query(
            main_query(query)
        )
        post = facet_filters(query)
        if post:
            base = base.post_filter(Q("bool", filter=post))
        first = self._with_facets(base, query).extra(track_total_hits=True)
        scores: dict[str, float] = {}
        if by_date:
            order = "asc" if query.sort == SORT_DATE_ASC else "desc"
            first = first.sort(
                {"date": {"order": order, "missing": "_last"}}, {"key": "asc"}
            )
            response = first.source(False)[start:end].execute()
            page_keys = [hit.meta.id for hit in response.hits]
        else:
            ranked_order = base.sort({"_score": "desc"}, {"key": "asc"}).extra(
                track_scores=True
            )
            first = first.sort({"_score": "desc"}, {"key": "asc"}).extra(
                track_scores=True
            )
            if start < RERANK_DEPTH:
                response = first.source(["title", "date"])[0:RERANK_DEPTH].execute()
                window = self._rerank(query, response.hits)
                page = window[start:end]
                page_keys = [key for key, _ in page]
                scores = dict(page)
                if end > RERANK_DEPTH and response.hits.total.value > RERANK_DEPTH:
                    tail = ranked_order.using(self._reader(deadline)).source(False)
                    page_keys += [
                        hit.meta.id
                        for hit in tail[max(start, RERANK_DEPTH) : end].execute().hits
                    ]
            else:
                # Past the re-ranked window, hits follow the engine's own stable order.
                response = first.source(False)[start:end].execute()
                page_keys = [hit.meta.id for hit in response.hits]
        total = int(response.hits.total.value)
        return SearchResults(
            total=total,
            hits=self._hits(query, page_keys, scores, deadline),
            facets=self._facets(query, response),
            page=query.page,
            page_size=query.page_size,
        )

    def _with_facets(self, s: Search, query: SearchQuery) -> Search:
        """A copy of the search with the facet aggregations (the original has none)."""
        s = s.extra()
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
        return s

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
        self,
        query: SearchQuery,
        keys: list[str],
        scores: dict[str, float],
        deadline: float,
    ) -> list[SearchHit]:
        """The page's hits from their stored heads; whole bodies only for late matches."""
        if not keys:
            return []
        docs = self._reader(deadline).mget(
            index=self.index_alias, ids=keys, source_includes=PAGE_FIELDS
        )["docs"]
        sources = {
            d["_id"]: d["_source"]
            for d in docs
            if d.get("found") and not d["_source"].get("tombstone")
        }
        terms = query.highlight_terms
        late = [
            key
            for key, source in sources.items()
            if terms
            and source.get("body_chars", 0) > len(source.get("snippet_head") or "")
            and not head_has_terms(source.get("snippet_head") or "", terms)
        ]
        bodies: dict[str, str] = {}
        if late:
            bodies = {
                d["_id"]: d["_source"].get("body", "")
                for d in self._reader(deadline).mget(
                    index=self.index_alias, ids=late, source_includes=["body"]
                )["docs"]
                if d.get("found")
            }
        hits = []
        for key in keys:
            source = sources.get(key)
            if source is None:
                continue
            doc = _document(source)
            if key in bodies:
                text = snippet(bodies[key], terms)
            else:
                text = snippet(
                    source.get("snippet_head") or "",
                    terms,
                    full_length=source.get("body_chars"),
                )
            hits.append(
                SearchHit(
                    key=doc.key,
                    type=doc.type,
                    title=doc.title,
                    url=doc.url,
                    date=doc.date,
                    external_id=doc.external_id,
                    title_html=highlight_title(doc.title, terms),
                    snippet_html=text,
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
        """Candidate titles by prefix queries only (no leading wildcards), ranked like embedded."""
        text = analysis.normalize(prefix).strip()
        if not text:
            return []
        compact = text.replace(" ", "")
        should = [Q("prefix", suggest_norm=text)]
        grams = analysis.query_grams(text)
        if grams:
            should.append(phrase_query("title_grams", grams, boost=1.0))
        if compact.isascii() and compact.isalpha():
            should += [
                Q("prefix", initials_suffixes=v) for v in _initial_variants(compact)
            ]
            if len(compact) >= 3:
                should.append(Q("prefix", pinyin_suffixes=compact))
        deadline = self._deadline()
        s = Search(using=self._reader(deadline), index=self.index_alias).query(
            Q("bool", should=should, minimum_should_match=1, must_not=[NOT_TOMBSTONE])
        )
        s = s.source(["title", "suggest_norm", "initials", "pinyin", "date"])[0:200]
        try:
            with _unavailable_on_failure():
                hits = s.execute().hits
        except NotFoundError:
            return []
        rows = [
            (h.title, h.suggest_norm, h.initials, h.pinyin, getattr(h, "date", None))
            for h in hits
        ]
        return rank_suggestions(prefix, rows, limit)


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
