# ruff: noqa: S608  (table names are integer generations; values are bound)
"""SQLite FTS5 engine over pre-analysed terms, in its own index file.

Layout: a ``meta`` table names the live generation; each generation N has
``docs_N`` (stored fields and the analysed terms, compressed, for deletes),
``facets_N`` (one row per facet value), ``suggest_N`` (titles and pinyin) and the
contentless FTS5 table ``fts_N`` with four columns: title words, body words, title
bigrams and body bigrams. A rebuild fills generation N+1 while live writes go to
both, then flips ``meta`` in one short transaction: readers never see a half index.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

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
from search.suggesting import pinyin_keys, rank_suggestions

TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '_'"
# bm25 weights for: title words, body words, title bigrams, body bigrams
BM25_WEIGHTS = (8.0, 1.0, 4.0, 0.5)
BATCH = 200
RERANK_DEPTH = 300
SEP = "\x1f"

_write_lock = threading.Lock()


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _phrase(tokens: list[str]) -> str:
    """An FTS5 phrase of pre-analysed tokens; a trailing 'x*' becomes a prefix."""
    if not tokens:
        return ""
    prefix = tokens[-1].endswith("*")
    body = [*tokens[:-1], tokens[-1].rstrip("*")] if prefix else tokens
    return _fts_quote(" ".join(body)) + (" *" if prefix else "")


def fragment_expr(
    fragment: str, *, title_only: bool = False, alone: bool = True
) -> str:
    """FTS5 expression: the fragment as one word, or its bigram phrase anywhere.

    A one-character fragment next to other words matches as a word only: as a
    bigram prefix it would touch most of the index for little precision.
    """
    words = analysis.query_words(fragment)
    word_cols = "{t}" if title_only else "{t b}"
    gram_cols = "{tg}" if title_only else "{tg bg}"
    parts = []
    if len(words) == 1:
        parts.append(f"{word_cols} : {_fts_quote(words[0])}")
    doc_numbers = [
        t
        for t in analysis.doc_number_terms(analysis.normalize(fragment), query=True)
        if not t.startswith("docno_")
    ]
    parts.extend(f"{word_cols} : {_fts_quote(t)}" for t in doc_numbers)
    grams = analysis.query_grams(fragment)
    lone_prefix = len(grams) == 1 and grams[0].endswith("*")
    if grams and not (lone_prefix and parts and not alone):
        parts.append(f"{gram_cols} : {_phrase(grams)}")
    if not parts:
        return ""
    return "(" + " OR ".join(parts) + ")"


def compile_items(items: list[list[str]], *, join: str, title_only: bool) -> str:
    """AND/OR of items, each an OR of alternative fragments."""
    compiled = []
    for alternatives in items:
        exprs = [
            e
            for e in (
                fragment_expr(a, title_only=title_only, alone=len(items) == 1)
                for a in alternatives
            )
            if e
        ]
        if exprs:
            compiled.append(
                exprs[0] if len(exprs) == 1 else "(" + " OR ".join(exprs) + ")"
            )
    return f" {join} ".join(compiled)


def _terms_blob(doc: SearchDocument) -> tuple[list[str], bytes]:
    title_terms = " ".join(analysis.analyze(doc.title))
    body_terms = " ".join(analysis.analyze(doc.body))
    tgrams = " ".join(analysis.grams(doc.title))
    bgrams = " ".join(analysis.grams(doc.body))
    columns = [title_terms, body_terms, tgrams, bgrams]
    return columns, zlib.compress(SEP.join(columns).encode(), 1)


class _Prepared:
    """A document analysed outside any transaction, ready to write."""

    __slots__ = ("blob", "columns", "doc", "initials", "pinyin")

    def __init__(self, doc: SearchDocument) -> None:
        self.doc = doc
        self.columns, self.blob = _terms_blob(doc)
        self.initials, self.pinyin = pinyin_keys(doc.title)


class EmbeddedBackend(BaseSearchBackend):
    """SQLite FTS5 + BM25 with phrase/title re-ranking; WAL for web + worker."""

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.path = Path(params["PATH"])
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self.rerank = params.get("RERANK", True)

    # -- connection and schema -------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection, reopened after a fork."""
        if self._conn is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -65536")
            conn.execute("PRAGMA mmap_size = 268435456")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, score REAL)"
            )
            self._conn, self._pid = conn, os.getpid()
            self._ensure_schema()
        return self._conn

    def close(self) -> None:
        """Close this thread's connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _ensure_schema(self) -> None:
        conn = self.conn
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if exists and self._meta("current") is not None:
            return
        if not exists:
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)"
            )
            if self._meta("current") is None:
                self._create_generation(1)
                conn.execute("INSERT INTO meta VALUES ('current', '1')")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = ?", (key,)
        ).fetchone()
        return row[0] if row else None

    def _generation(self) -> int:
        return int(self._meta("current") or 1)

    def _building(self) -> int | None:
        value = self._meta("building")
        return int(value) if value else None

    def _create_generation(self, gen: int) -> None:
        c = self.conn
        c.execute(
            f"CREATE TABLE docs_{gen} (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL,"
            " type TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, url TEXT,"
            " date TEXT, external_id TEXT, facets TEXT, extra TEXT, terms BLOB)"
        )
        c.execute(f"CREATE INDEX docs_{gen}_type_date ON docs_{gen} (type, date)")
        c.execute(f"CREATE INDEX docs_{gen}_date ON docs_{gen} (date)")
        c.execute(
            f"CREATE TABLE facets_{gen} (doc_id INTEGER NOT NULL, name TEXT NOT NULL,"
            " value TEXT NOT NULL, PRIMARY KEY (name, value, doc_id)) WITHOUT ROWID"
        )
        c.execute(f"CREATE INDEX facets_{gen}_doc ON facets_{gen} (doc_id)")
        c.execute(
            f"CREATE TABLE suggest_{gen} (doc_id INTEGER PRIMARY KEY, title TEXT,"
            " norm TEXT, initials TEXT, pinyin TEXT, type TEXT, date TEXT)"
        )
        c.execute(f"CREATE TABLE touched_{gen} (key TEXT PRIMARY KEY) WITHOUT ROWID")
        c.execute(
            f"CREATE VIRTUAL TABLE fts_{gen} USING fts5(t, b, tg, bg, content='',"
            f' tokenize="{TOKENIZE}")'
        )

    def _drop_generation(self, gen: int) -> None:
        for table in ("fts", "docs", "facets", "suggest", "touched"):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}_{gen}")

    # -- writing -----------------------------------------------------------------

    def _write(
        self, gen: int, item: _Prepared, *, touch: bool, skip_touched: bool
    ) -> None:
        c = self.conn
        doc = item.doc
        if (
            skip_touched
            and c.execute(
                f"SELECT 1 FROM touched_{gen} WHERE key = ?", (doc.key,)
            ).fetchone()
        ):
            return
        self._remove(gen, doc.key)
        cur = c.execute(
            f"INSERT INTO docs_{gen} (key, type, title, body, url, date, external_id,"
            " facets, extra, terms) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                doc.key,
                doc.type,
                doc.title,
                doc.body,
                doc.url,
                doc.date.isoformat() if doc.date else None,
                doc.external_id,
                json.dumps(doc.facets, ensure_ascii=False),
                json.dumps(doc.extra, ensure_ascii=False),
                item.blob,
            ),
        )
        doc_id = cur.lastrowid
        c.execute(
            f"INSERT INTO fts_{gen} (rowid, t, b, tg, bg) VALUES (?,?,?,?,?)",
            (doc_id, *item.columns),
        )
        c.executemany(
            f"INSERT OR IGNORE INTO facets_{gen} (doc_id, name, value) VALUES (?,?,?)",
            [(doc_id, name, value) for name, value in doc.facet_pairs()],
        )
        c.execute(
            f"INSERT INTO suggest_{gen} VALUES (?,?,?,?,?,?,?)",
            (
                doc_id,
                doc.title,
                analysis.normalize(doc.title),
                item.initials,
                item.pinyin,
                doc.type,
                doc.date.isoformat() if doc.date else None,
            ),
        )
        if touch:
            c.execute(f"INSERT OR IGNORE INTO touched_{gen} VALUES (?)", (doc.key,))

    def _remove(self, gen: int, key: str) -> bool:
        c = self.conn
        row = c.execute(
            f"SELECT id, terms FROM docs_{gen} WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return False
        doc_id, blob = row
        columns = zlib.decompress(blob).decode().split(SEP)
        c.execute(
            f"INSERT INTO fts_{gen} (fts_{gen}, rowid, t, b, tg, bg) VALUES ('delete',?,?,?,?,?)",
            (doc_id, *columns),
        )
        c.execute(f"DELETE FROM docs_{gen} WHERE id = ?", (doc_id,))
        c.execute(f"DELETE FROM facets_{gen} WHERE doc_id = ?", (doc_id,))
        c.execute(f"DELETE FROM suggest_{gen} WHERE doc_id = ?", (doc_id,))
        return True

    def _transaction(self, *, write: bool = True) -> _Tx:
        return _Tx(self.conn, write=write)

    def upsert(self, docs: Iterable[SearchDocument]) -> int:
        """Analyse, then write in short transactions (to the building index too)."""
        written = 0
        for batch in _batches(docs, BATCH):
            prepared = [_Prepared(doc) for doc in batch]
            with _write_lock, self._transaction():
                gen, building = self._generation(), self._building()
                for item in prepared:
                    self._write(gen, item, touch=False, skip_touched=False)
                    if building:
                        self._write(building, item, touch=True, skip_touched=False)
            written += len(prepared)
        return written

    def delete(self, keys: Iterable[str]) -> int:
        """Remove documents by key from the live (and building) index."""
        keys = list(keys)
        removed = 0
        with _write_lock, self._transaction():
            gen, building = self._generation(), self._building()
            for key in keys:
                removed += self._remove(gen, key)
                if building:
                    self._remove(building, key)
                    self.conn.execute(
                        f"INSERT OR IGNORE INTO touched_{building} VALUES (?)", (key,)
                    )
        return removed

    def rebuild(self, docs: Iterable[SearchDocument]) -> int:
        """Fill a new generation in batches, then make it live in one transaction."""
        with _write_lock, self._transaction():
            stale = self._building()
            if stale:
                self._drop_generation(stale)
            gen = max(self._generation(), stale or 0) + 1
            self._create_generation(gen)
            self.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('building', ?)", (str(gen),)
            )
        written = 0
        try:
            for batch in _batches(docs, BATCH):
                prepared = [_Prepared(doc) for doc in batch]
                with _write_lock, self._transaction():
                    for item in prepared:
                        self._write(gen, item, touch=False, skip_touched=True)
                written += len(prepared)
            with _write_lock, self._transaction():
                old = self._generation()
                self.conn.execute(
                    f"INSERT INTO fts_{gen} (fts_{gen}) VALUES ('optimize')"
                )
                self.conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('current', ?)", (str(gen),)
                )
                self.conn.execute("DELETE FROM meta WHERE key = 'building'")
                self.conn.execute(f"DELETE FROM touched_{gen}")
                self._drop_generation(old)
        except BaseException:
            with _write_lock, self._transaction():
                if self._building() == gen:
                    self._drop_generation(gen)
                    self.conn.execute("DELETE FROM meta WHERE key = 'building'")
            raise
        self.conn.execute("PRAGMA incremental_vacuum")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return written

    def clear(self) -> None:
        """Empty the live index (a rebuild from nothing)."""
        self.rebuild([])

    def count(self) -> int:
        """Documents in the live index."""
        return self.conn.execute(
            f"SELECT count(*) FROM docs_{self._generation()}"
        ).fetchone()[0]

    def size_bytes(self) -> int | None:
        """Bytes of live index data (file size less free pages)."""
        c = self.conn
        c.execute("PRAGMA wal_checkpoint(PASSIVE)")
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        free = c.execute("PRAGMA freelist_count").fetchone()[0]
        return (pages - free) * c.execute("PRAGMA page_size").fetchone()[0]

    def get(self, key: str) -> SearchDocument | None:
        """The stored document for a key."""
        gen = self._generation()
        row = self.conn.execute(
            f"SELECT key, type, title, body, url, date, external_id, facets, extra"
            f" FROM docs_{gen} WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        return SearchDocument(
            key=row[0],
            type=row[1],
            title=row[2],
            body=row[3],
            url=row[4],
            date=datetime.date.fromisoformat(row[5]) if row[5] else None,
            external_id=row[6],
            facets=json.loads(row[7] or "{}"),
            extra=json.loads(row[8] or "{}"),
        )

    # -- searching ---------------------------------------------------------------

    def _match(self, gen: int, expr: str, *, scored: bool) -> dict[int, float]:
        if not expr:
            return {}
        if scored:
            weights = ", ".join(str(w) for w in BM25_WEIGHTS)
            sql = f"SELECT rowid, -bm25(fts_{gen}, {weights}) FROM fts_{gen} WHERE fts_{gen} MATCH ?"
        else:
            sql = f"SELECT rowid, 0 FROM fts_{gen} WHERE fts_{gen} MATCH ?"
        try:
            return dict(self.conn.execute(sql, (expr,)).fetchall())
        except sqlite3.OperationalError:
            return {}

    def _filter_sql(
        self, gen: int, query: SearchQuery, skip_facet: str | None = None
    ) -> tuple[str, list]:
        clauses, params = [], []
        if query.types:
            clauses.append(f"d.type IN ({','.join('?' * len(query.types))})")
            params.extend(query.types)
        if query.date_from:
            clauses.append("d.date >= ?")
            params.append(query.date_from.isoformat())
        if query.date_to:
            clauses.append("d.date <= ?")
            params.append(query.date_to.isoformat())
        for name, values in query.filters.items():
            if name == skip_facet or not values:
                continue
            if name == "type":
                clauses.append(f"d.type IN ({','.join('?' * len(values))})")
                params.extend(values)
                continue
            clauses.append(
                f"d.id IN (SELECT doc_id FROM facets_{gen} WHERE name = ? AND value IN"
                f" ({','.join('?' * len(values))}))"
            )
            params.extend([name, *values])
        return (" AND ".join(clauses) or "1"), params

    def search(self, query: SearchQuery) -> SearchResults:
        """Match, filter, rank (BM25 + phrase/title features), facet and page."""
        c = self.conn
        gen = self._generation()
        title_only = query.scope == SCOPE_TITLE
        if query.has_terms():
            join = "OR" if query.mode == MODE_ANY else "AND"
            items = query.should if query.mode == MODE_ANY else query.must
            positive = compile_items(items, join=join, title_only=title_only)
            phrases = compile_items(
                [[p] for p in query.phrases], join="AND", title_only=title_only
            )
            expr = " AND ".join(f"({e})" for e in (positive, phrases) if e)
            if query.mode == MODE_ANY and not positive and not phrases:
                expr = ""
            matched = self._match(gen, expr, scored=True)
        else:
            matched = None
        excluded: set[int] = set()
        if query.exclude:
            ex = compile_items(
                [[e] for e in query.exclude], join="OR", title_only=False
            )
            excluded = set(self._match(gen, ex, scored=False))

        with self._transaction(write=False):
            c.execute("DELETE FROM temp.m")
            if matched is None:
                c.execute(f"INSERT INTO temp.m SELECT id, 0 FROM docs_{gen}")
            else:
                c.executemany("INSERT INTO temp.m VALUES (?, ?)", matched.items())
            if excluded:
                c.executemany(
                    "DELETE FROM temp.m WHERE id = ?", [(i,) for i in excluded]
                )

            where, params = self._filter_sql(gen, query)
            rows = c.execute(
                f"SELECT d.id, m.score, d.date FROM temp.m m JOIN docs_{gen} d ON d.id = m.id"
                f" WHERE {where}",
                params,
            ).fetchall()
            total = len(rows)
            ordered = self._order(gen, query, rows)
            page_ids = ordered[query.offset : query.offset + query.page_size]
            facets = self._facets(gen, query) if query.facets else {}
        hits = self._hits(gen, query, page_ids)
        return SearchResults(
            total=total,
            hits=hits,
            facets=facets,
            page=query.page,
            page_size=query.page_size,
        )

    def _order(
        self, gen: int, query: SearchQuery, rows: list[tuple]
    ) -> list[tuple[int, float]]:
        if query.sort in (SORT_DATE_DESC, SORT_DATE_ASC) or not query.has_terms():
            newest_first = query.sort != SORT_DATE_ASC
            dated = sorted(
                (r for r in rows if r[2]),
                key=lambda r: (r[2], r[0]),
                reverse=newest_first,
            )
            undated = sorted((r for r in rows if not r[2]), key=lambda r: r[0])
            return [(r[0], r[1]) for r in dated + undated]
        if not rows:
            return []
        top = max(r[1] for r in rows) or 1.0
        by_bm25 = sorted(rows, key=lambda r: r[1], reverse=True)
        if not self.rerank:
            return [(r[0], r[1]) for r in by_bm25]
        boosts = self._phrase_sets(gen, query)
        scores = {r[0]: r[1] / top for r in rows}
        boosted = (boosts["body"].keys() | boosts["near"].keys()) & scores.keys()
        head = {r[0] for r in by_bm25[:RERANK_DEPTH]}
        if len(boosts["body"]) <= RERANK_DEPTH:
            head |= boosts["body"].keys() & scores.keys()
        titles = dict(
            self.conn.execute(
                f"SELECT id, title FROM docs_{gen} WHERE id IN ({','.join('?' * len(head))})",
                list(head),
            ).fetchall()
        )
        scorer = TitleScorer(query)
        for doc_id in boosted | titles.keys():
            features = RankFeatures(
                bm25=scores[doc_id],
                body_phrase=boosts["body"].get(doc_id, 0.0),
                near=doc_id in boosts["near"],
            )
            if doc_id in titles:
                scorer.apply(features, titles[doc_id])
            scores[doc_id] = final_score(features)
        dates = {r[0]: r[2] or "" for r in rows}
        ranked = sorted(scores, key=lambda i: (scores[i], dates[i], -i), reverse=True)
        return [(i, scores[i]) for i in ranked]

    def _phrase_sets(self, gen: int, query: SearchQuery) -> dict[str, dict[int, float]]:
        sets: dict[str, dict[int, float]] = {"body": {}, "near": {}}
        for text in query.boost_phrases:
            grams = analysis.query_grams(text)
            weight = body_phrase_weight(text)
            if len(grams) < 2 or not weight or query.scope == SCOPE_TITLE:
                continue
            for doc_id in self._match(gen, f"{{bg}} : {_phrase(grams)}", scored=False):
                sets["body"][doc_id] = max(weight, sets["body"].get(doc_id, 0.0))
        words = [w for w in query.near_words if len(w) >= 2 and analysis.query_grams(w)]
        if len(words) >= 2 and query.scope != SCOPE_TITLE:
            near = " ".join(_phrase(analysis.query_grams(w)) for w in words[:6])
            matched = self._match(gen, f"{{bg}} : NEAR({near}, 12)", scored=False)
            sets["near"] = dict.fromkeys(matched, 1.0)
        return sets

    def _facets(self, gen: int, query: SearchQuery) -> dict[str, list[FacetValue]]:
        out: dict[str, list[FacetValue]] = {}
        for name in query.facets:
            where, params = self._filter_sql(gen, query, skip_facet=name)
            base = f"SELECT d.id FROM temp.m m JOIN docs_{gen} d ON d.id = m.id WHERE {where}"
            if name == "type":
                sql = (
                    f"SELECT type, count(*) AS n FROM docs_{gen} WHERE id IN ({base})"
                    " GROUP BY type ORDER BY n DESC, type"
                )
                rows = self.conn.execute(sql, params).fetchall()
            else:
                sql = (
                    f"SELECT value, count(*) AS n FROM facets_{gen} WHERE name = ? AND"
                    f" doc_id IN ({base}) GROUP BY value ORDER BY n DESC, value LIMIT 100"
                )
                rows = self.conn.execute(sql, [name, *params]).fetchall()
            out[name] = [FacetValue(value=v, count=n) for v, n in rows]
        return out

    def _hits(
        self, gen: int, query: SearchQuery, page: list[tuple[int, float]]
    ) -> list[SearchHit]:
        if not page:
            return []
        ids = [i for i, _ in page]
        rows = {
            r[0]: r
            for r in self.conn.execute(
                f"SELECT id, key, type, title, body, url, date, external_id, extra, facets"
                f" FROM docs_{gen} WHERE id IN ({','.join('?' * len(ids))})",
                ids,
            ).fetchall()
        }
        hits = []
        for doc_id, score in page:
            r = rows[doc_id]
            facets = {
                k: (v if isinstance(v, list) else [v])
                for k, v in json.loads(r[9] or "{}").items()
            }
            hits.append(
                SearchHit(
                    key=r[1],
                    type=r[2],
                    title=r[3],
                    url=r[5] or "",
                    date=datetime.date.fromisoformat(r[6]) if r[6] else None,
                    external_id=r[7],
                    title_html=highlight_title(r[3], query.highlight_terms),
                    snippet_html=snippet(r[4], query.highlight_terms),
                    score=0.0 if math.isnan(score) else score,
                    extra=json.loads(r[8] or "{}"),
                    facets=facets,
                )
            )
        return hits

    # -- suggestions ----------------------------------------------------------

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles starting with / containing the text, or matching its pinyin."""
        gen = self._generation()
        rows = self.conn.execute(
            f"SELECT title, norm, initials, pinyin, date FROM suggest_{gen}"
        ).fetchall()
        return rank_suggestions(prefix, rows, limit)


class _Tx:
    """BEGIN IMMEDIATE … COMMIT, rolled back on error."""

    def __init__(self, conn: sqlite3.Connection, *, write: bool = True) -> None:
        self.conn = conn
        self.write = write

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE" if self.write else "BEGIN")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
