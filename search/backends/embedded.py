# ruff: noqa: S608  (table names are integer generations; values are bound)
"""SQLite FTS5 engine over pre-analysed terms, in its own index file.

Layout: a ``meta`` table names the live generation; each generation N has
``docs_N`` (stored fields and the analysed terms, compressed, for deletes),
``facets_N`` (one row per facet value), ``suggest_N`` (titles and pinyin), the
contentless FTS5 table ``fts_N`` with four columns: title words, body words, title
bigrams and body bigrams, and ``chars_N``, a position-free FTS5 table of what a
bigram prefix can match (``analysis.char_terms``), for title and body. A rebuild
fills generation N+1 while live writes go to both, then flips ``meta`` in one short
transaction: readers never see a half index.
"""

from __future__ import annotations

import datetime
import heapq
import json
import logging
import math
import os
import random
import re
import sqlite3
import threading
import zlib
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import reduce
from itertools import groupby, islice
from multiprocessing import get_context
from operator import and_, itemgetter, or_
from pathlib import Path

import numpy as np

from search import analysis
from search.analysis import normalize
from search.backends.base import BaseSearchBackend, SearchUnavailable
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
from search.suggesting import _LETTERS_RE, _initial_variants, pinyin_keys

TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '_'"
# bm25 weights for: title words, body words, title bigrams, body bigrams
BM25_WEIGHTS = (8.0, 1.0, 4.0, 0.5)
BATCH = 200
# A rebuild analyses this many batches itself before it starts a second process for
# the rest (_analysed_batches): starting one costs about a second, worth it only
# for a large index.
SERIAL_BATCHES = 5
RERANK_DEPTH = 300
# Up to this many hits (beyond 4 × the page end), date order sorts them directly
SMALL_SORT = 2000
# Queries whose fragments match more postings than this in total are ranked without
# BM25 (see _order_broad): FTS5's bm25() reads every matching document's positions.
SCORE_BUDGET = 12_000
# Body-phrase documents a broad query re-ranks at most (the newest of them)
BROAD_PHRASE_DOCS = RERANK_DEPTH
# Bytes of fragment masks each process keeps per index snapshot
TERM_CACHE_BYTES = 48 * 1024 * 1024
# Bounded counts (see _Columns.count_upto) each process keeps per index snapshot
BOUNDED_COUNTS = 50_000
# Up to this many candidates, title words are tested per document, not by a scan
TITLE_TESTS = 5_000
# Up to this many text matches, a boost phrase is read within them (_boost_mask)
WITHIN_DOCS = 4_000
SEP = "\x1f"
# A rebuild leaves the old generation's pages free inside the file, which held both
# generations while the new one filled. When they are at least this share of it, the
# rebuild ends by rewriting the file without them (_compact).
COMPACT_FREE_SHARE = 0.25

logger = logging.getLogger(__name__)

_write_lock = threading.Lock()

_by_score = itemgetter(1)


def ids_to_mask(ids: Iterable[int]) -> int:
    """A Python int with bit i set for each id i."""
    if not isinstance(ids, np.ndarray):
        ids = np.fromiter(ids, dtype=np.int64)
    return array_to_mask(ids)


def array_to_mask(ids: np.ndarray) -> int:
    """A Python int with bit i set for each id i of an integer array."""
    if not len(ids):
        return 0
    bits = np.zeros((int(ids.max()) | 7) + 1, dtype=np.bool_)
    bits[ids] = True
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def mask_to_array(mask: int) -> np.ndarray:
    """The set bits of a mask, ascending, as an int64 array."""
    if mask <= 0:
        return np.zeros(0, dtype=np.int64)
    data = np.frombuffer(
        mask.to_bytes((mask.bit_length() + 7) >> 3, "little"), np.uint8
    )
    return np.flatnonzero(np.unpackbits(data, bitorder="little"))


def mask_to_ids(mask: int) -> list[int]:
    """The set bits of a mask, ascending."""
    return mask_to_array(mask).tolist()


class _Columns:
    """One snapshot of the live generation's filter and facet data, in memory.

    Bit masks over doc ids per (facet, value) make filters and facet counts a few
    integer ANDs and popcounts; values held by few documents keep a list of ids
    instead (cheap in memory for facets with many values). Keyed by generation and
    the ``writes`` counter every write transaction bumps, so any change reloads.
    """

    def __init__(self, conn: sqlite3.Connection, gen: int, *, has_chars: bool) -> None:
        self.gen = gen
        self.lock = threading.Lock()
        self.has_chars = has_chars
        rows = conn.execute(f"SELECT id, type, date FROM docs_{gen}").fetchall()
        self.top = max((r[0] for r in rows), default=0)
        self.date_of: list[str | None] = [None] * (self.top + 1)
        for doc_id, _type, date in rows:
            self.date_of[doc_id] = date
        self.all_mask = ids_to_mask(r[0] for r in rows)
        dated = sorted((r[2], r[0]) for r in rows if r[2])
        self.dates = [d for d, _ in dated]
        self.by_date = [i for _, i in dated]
        self.undated = sorted(r[0] for r in rows if not r[2])
        rows.sort(key=lambda r: (r[1], r[0]))
        self.facets: dict[str, dict[str, int | list[int]]] = {
            "type": self._group((t, i) for i, t, _ in rows)
        }
        self.term_masks: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self.sparse: dict[str, tuple[dict[int, list[str]], int]] = {}
        self.bounded: dict[str, tuple[int, bool]] = {}
        self.term_bytes = 0
        self.titles: tuple[str, list[int], list[int], list[str | None]] | None = None

    def _remember(self, key: str, value: tuple[int, int]) -> None:
        with self.lock:
            if key in self.term_masks:
                return
            self.term_masks[key] = value
            self.term_bytes += (value[0].bit_length() >> 3) + 100
            while self.term_bytes > TERM_CACHE_BYTES and len(self.term_masks) > 1:
                _key, (old, _n) = self.term_masks.popitem(last=False)
                self.term_bytes -= (old.bit_length() >> 3) + 100

    def cached(self, key: str) -> bool:
        with self.lock:
            return key in self.term_masks

    def _cached(self, key: str) -> tuple[int, int] | None:
        with self.lock:
            hit = self.term_masks.get(key)
            if hit is not None:
                self.term_masks.move_to_end(key)
            return hit

    def term_mask(self, conn: sqlite3.Connection, expr: str) -> tuple[int, int]:
        """(mask, count) of the documents an FTS5 expression matches, cached.

        Common words recur across queries (Zipf), and they are exactly the ones
        whose position lists are costly to read: one pass per snapshot. SQLite
        folds the ids into 64-bit words, so Python sees one row per 64 documents.
        """
        hit = self._cached(expr)
        if hit is not None:
            return hit
        reads = _prefix_reads(expr) if self.has_chars else None
        if reads is None:
            ids = self._ids(conn, "fts", expr)
            value = (array_to_mask(ids), len(ids))
        else:
            mask = reduce(
                or_, (array_to_mask(self._ids(conn, t, e)) for t, e in reads), 0
            )
            value = (mask, mask.bit_count())
        self._remember(expr, value)
        return value

    def _ids(self, conn: sqlite3.Connection, table: str, expr: str) -> np.ndarray:
        """The rowids an FTS5 expression matches in one of the generation's tables,
        handed over by SQLite as one text (a row per id costs more than the read)."""
        if not expr:
            return _NO_IDS
        name = f"{table}_{self.gen}"
        try:
            found = conn.execute(
                f"SELECT group_concat(rowid) FROM {name} WHERE {name} MATCH ?", (expr,)
            ).fetchone()[0]
        except sqlite3.OperationalError:
            found = None
        return np.fromstring(found, dtype=np.int64, sep=",") if found else _NO_IDS

    def count_upto(self, conn: sqlite3.Connection, expr: str, limit: int) -> int:
        """How many documents an FTS5 expression matches, counted no further than limit.

        FTS5 stops reading after ``limit`` rows, so a broad word costs no more
        than a narrow one; a cached mask answers exactly. Remembered as an exact
        count or as "at least n", whichever the counting reached.
        """
        hit = self._cached(expr)
        if hit is None and _has_prefix(expr):
            # A prefix: from chars_N, or FTS5 expands it in full before its first
            # row. Either way, read it once.
            hit = self.term_mask(conn, expr)
        if hit is not None:
            return min(hit[1], limit)
        with self.lock:
            known = self.bounded.get(expr)
        if known is not None and (known[1] or known[0] >= limit):
            return min(known[0], limit)
        try:
            found = conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM fts_{self.gen}"
                f" WHERE fts_{self.gen} MATCH ? LIMIT ?)",
                (expr, limit),
            ).fetchone()[0]
        except sqlite3.OperationalError:
            found = 0
        with self.lock:
            if len(self.bounded) >= BOUNDED_COUNTS:
                self.bounded.clear()
            self.bounded[expr] = (found, found < limit)
        return found

    def title_index(
        self, conn: sqlite3.Connection
    ) -> tuple[str, list[int], list[int], list[str | None]]:
        """Normalised titles: one string joined by newlines, offsets, ids, by id."""
        with self.lock:
            if self.titles is not None:
                return self.titles
        rows = conn.execute(
            f"SELECT doc_id, norm FROM suggest_{self.gen} ORDER BY doc_id"
        ).fetchall()
        starts, ids, norms = [], [], []
        by_id: list[str | None] = [None] * (self.top + 1)
        at = 0
        for doc_id, norm in rows:
            if doc_id > self.top:
                continue
            norm = (norm or "").replace("\n", " ")
            starts.append(at)
            ids.append(doc_id)
            norms.append(norm)
            by_id[doc_id] = norm
            at += len(norm) + 1
        titles = ("\n".join(norms), starts, ids, by_id)
        with self.lock:
            self.titles = titles
        return titles

    def titles_within(
        self, conn: sqlite3.Connection, within: int
    ) -> list[tuple[int, str]] | None:
        """(id, normalised title) of the documents of a mask, if few enough to test."""
        if within.bit_count() > TITLE_TESTS:
            return None
        by_id = self.title_index(conn)[3]
        return [(i, by_id[i] or "") for i in mask_to_ids(within)]

    def title_mask(
        self,
        conn: sqlite3.Connection,
        word: str,
        within: int,
        titled: list[tuple[int, str]] | None = None,
    ) -> int:
        """The documents of ``within`` whose normalised title contains the word.

        With ``titled`` (``titles_within`` of the same mask), they are tested
        one by one; otherwise against a mask of every title holding the word (a
        substring scan, cached).
        """
        if titled is not None:
            return ids_to_mask(i for i, title in titled if word in title)
        key = "\x00title\x00" + word
        hit = self._cached(key)
        if hit is not None:
            return hit[0] & within
        text, starts, ids, by_id = self.title_index(conn)
        if text.count(word, 0, len(text) >> 4) << 4 > TITLE_TESTS:
            # A common word (judged by the first sixteenth of the titles): testing
            # every title beats placing every occurrence.
            found = [i for i in ids if word in by_id[i]]
        else:
            found = [
                ids[bisect_right(starts, m.start()) - 1]
                for m in re.finditer(re.escape(word), text)
            ]
        value = (ids_to_mask(found) if found else 0, len(found))
        self._remember(key, value)
        return value[0] & within

    def newest(
        self, mask: int, n: int, skip: set[int] | frozenset = frozenset()
    ) -> list[int]:
        """Up to n ids of the mask, newest first (then undated by id), skipping some."""
        if n <= 0 or not mask:
            return []
        if mask.bit_count() <= 4 * n + SMALL_SORT:
            date_of = self.date_of
            ids = [i for i in mask_to_ids(mask) if i not in skip]
            dated = sorted(
                (i for i in ids if date_of[i]),
                key=lambda i: (date_of[i], i),
                reverse=True,
            )
            return (dated + [i for i in ids if not date_of[i]])[:n]
        data = mask.to_bytes((self.top >> 3) + 1, "little")
        out: list[int] = []
        for source in (reversed(self.by_date), iter(self.undated)):
            for i in source:
                if data[i >> 3] >> (i & 7) & 1 and i not in skip:
                    out.append(i)
                    if len(out) >= n:
                        return out
        return out

    def _group(self, pairs: Iterable[tuple[str, int]]) -> dict[str, int | list[int]]:
        sparse = max(64, (self.top + 1) >> 8)
        out: dict[str, int | list[int]] = {}
        for value, group in groupby(pairs, key=itemgetter(0)):
            ids = [i for _, i in group]
            out[value] = ids if len(ids) < sparse else ids_to_mask(ids)
        return out

    def values(self, conn: sqlite3.Connection, name: str) -> dict[str, int | list[int]]:
        found = self.facets.get(name)
        if found is None:
            pairs = conn.execute(
                f"SELECT value, doc_id FROM facets_{self.gen} WHERE name = ?"
                " ORDER BY value, doc_id",
                (name,),
            )
            found = self._group(pairs)
            with self.lock:
                self.facets[name] = found
        return found

    def values_mask(
        self, conn: sqlite3.Connection, name: str, values: list[str]
    ) -> int:
        table = self.values(conn, name)
        mask = 0
        for value in values:
            entry = table.get(str(value))
            if isinstance(entry, list):
                mask |= ids_to_mask(entry)
            elif entry is not None:
                mask |= entry
        return mask

    def sparse_of(
        self, name: str, values: dict[str, int | list[int]]
    ) -> tuple[dict[int, list[str]], int]:
        """For a facet's values kept as id lists: id → values, and their postings."""
        key = "\x00sparse\x00" + name
        with self.lock:
            found = self.sparse.get(key)
        if found is None:
            of: dict[int, list[str]] = {}
            postings = 0
            for value, entry in values.items():
                if isinstance(entry, list):
                    postings += len(entry)
                    for i in entry:
                        of.setdefault(i, []).append(value)
            found = (of, postings)
            with self.lock:
                self.sparse[key] = found
        return found

    def date_mask(self, date_from: str | None, date_to: str | None) -> int:
        lo = bisect_left(self.dates, date_from) if date_from else 0
        hi = bisect_right(self.dates, date_to) if date_to else len(self.dates)
        return ids_to_mask(self.by_date[lo:hi])

    def counts(
        self, conn: sqlite3.Connection, name: str, base: int
    ) -> list[tuple[str, int]]:
        values = self.values(conn, name)
        sparse = self.sparse_of(name, values)
        out = []
        if base.bit_count() < sparse[1]:
            # Fewer hits than sparse postings: count the hits' values instead.
            found: dict[str, int] = {}
            of = sparse[0]
            for i in mask_to_ids(base):
                for value in of.get(i, ()):
                    found[value] = found.get(value, 0) + 1
            out.extend(found.items())
        else:
            data = base.to_bytes((self.top >> 3) + 1, "little")
            for value, entry in values.items():
                if isinstance(entry, list):
                    n = sum(data[i >> 3] >> (i & 7) & 1 for i in entry)
                    if n:
                        out.append((value, n))
        for value, entry in values.items():
            if not isinstance(entry, list):
                n = (base & entry).bit_count()
                if n:
                    out.append((value, n))
        out.sort(key=lambda vn: (-vn[1], vn[0]))
        return out


_columns: dict[str, tuple[tuple, _Columns]] = {}
_columns_lock = threading.Lock()


def _position_reads(expr: str) -> int:
    """Roughly how much of the positions FTS5 reads for an expression: none for
    plain tokens, more with column filters and with longer phrases."""
    return expr.count("{") + expr.count(" ") - 2 * expr.count(" OR ")


def _parts(expr: str) -> list[str]:
    """The alternatives of a fragment_expr: "(a OR b)" → [a, b] (no part holds " OR ":
    tokens are quoted and lower-case)."""
    if expr.startswith("(") and expr.endswith(")"):
        return expr[1:-1].split(" OR ")
    return [expr]


_NO_IDS = np.zeros(0, dtype=np.int64)
_PREFIX_PART_RE = re.compile(r'\{([a-z ]+)\} : "([^" ]+)(?: ([^" ]+))?" \*')
_CHARS_COLUMN = {"tg": "t", "bg": "b"}
_ONE_CHAR_WORD_RE = re.compile(r'\{([a-z ]+)\} : "(.)"')


def _has_prefix(expr: str) -> bool:
    return '" *' in expr


def _has_chars(conn: sqlite3.Connection, gen: int) -> bool:
    """Whether the generation has chars_N (indexes built before it lack it)."""
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (f"chars_{gen}",)
        ).fetchone()
        is not None
    )


def _prefix_reads(expr: str) -> list[tuple[str, str]] | None:
    """A fragment expression holding a bigram prefix, as reads of fts_N and chars_N
    whose matches together are the expression's (None: read it as it is).

    FTS5 expands a prefix such as 法* into every bigram starting with 法 before it
    returns a row (400 ms for a common character at 100,000 documents); in chars_N
    the same documents are one position-free term. A one-character word in the
    same columns (法 in the title or body words) adds nothing to its own prefix:
    a text holding the word holds the character.
    """
    if not _has_prefix(expr) or " AND " in expr or " NOT " in expr:
        return None
    parts = _parts(expr)
    prefixed: list[tuple[str, str]] = []
    plain: list[str] = []
    for part in parts:
        found = _PREFIX_PART_RE.fullmatch(part)
        if found is None:
            if _has_prefix(part):
                return None
            plain.append(part)
            continue
        columns = [_CHARS_COLUMN.get(c) for c in found.group(1).split()]
        if None in columns:
            return None
        run, char = (
            (found.group(2), found.group(3)) if found.group(3) else ("", found.group(2))
        )
        if (
            len(char) != 1
            or not analysis.all_chinese(char)
            or analysis.has_chinese(run)
        ):
            return None  # not a shape query_grams makes: read it as it is
        prefixed.append((" ".join(columns), run + char))
    covered = {(cols, term) for cols, term in prefixed if len(term) == 1}
    kept = []
    for part in plain:
        word = _ONE_CHAR_WORD_RE.fullmatch(part)
        if (
            word is not None
            and analysis.all_chinese(word.group(2))
            and (word.group(1), word.group(2)) in covered
        ):
            continue
        kept.append(part)
    reads = [("fts", " OR ".join(kept))] if kept else []
    reads += [("chars", f"{{{cols}}} : {_fts_quote(term)}") for cols, term in prefixed]
    return reads


def _split(conjuncts: list[list[str]]) -> list[str]:
    """FTS5 expressions whose matches together are the AND of the conjuncts.

    A conjunct holding a plain token and a phrase (人民法院, or 人民 民法 法院 in
    the bigram columns) makes FTS5 check the phrase's positions in every
    document the other conjuncts match. With one such conjunct, C ∧ (w ∨ p) is
    (C ∧ w) ∪ ((C ∧ ¬w) ∧ p): the plain token answers most documents without
    positions, and the phrase is checked only where the token is missing.
    """

    def join(exprs: list[str]) -> str:
        return exprs[0] if len(exprs) == 1 else "(" + " OR ".join(exprs) + ")"

    whole = " AND ".join(f"({join(c)})" for c in conjuncts)
    parts = [[p for e in c for p in _parts(e)] for c in conjuncts]
    mixed = [
        i
        for i, c in enumerate(parts)
        if any(_position_reads(p) <= 0 for p in c)
        and any(_position_reads(p) > 0 for p in c)
    ]
    if len(mixed) != 1 or len(conjuncts) < 2:
        return [whole]
    item = parts[mixed[0]]
    plain = join([p for p in item if _position_reads(p) <= 0])
    phrases = join([p for p in item if _position_reads(p) > 0])
    rest = " AND ".join(
        f"({join(c)})" for i, c in enumerate(conjuncts) if i != mixed[0]
    )
    return [f"({rest}) AND ({plain})", f"(({rest}) NOT ({plain})) AND ({phrases})"]


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
    fragment: str,
    *,
    title_only: bool = False,
    alone: bool = True,
    match_only: bool = False,
) -> str:
    """FTS5 expression: the fragment as one word, or its bigram phrase anywhere.

    A one-character fragment next to other words matches as a word only: as a
    bigram prefix it would touch most of the index for little precision.

    ``match_only`` gives an expression matching the same documents more cheaply,
    for matching without BM25: a token that can only occur in one column family
    needs no column filter (FTS5 reads every position to apply one), and a
    two-character word is its own bigram, so one column-free token covers both
    (a document holding the word holds the bigram too). Multi-gram phrases keep
    their filter: across word columns they would mean something else.
    """
    terms = analysis.fragment_terms(fragment)
    free = match_only and not title_only
    word_cols = "{t}" if title_only else "{t b}"
    gram_cols = "{tg}" if title_only else "{tg bg}"
    parts = []
    if terms.word:
        only_words = analysis.all_chinese(terms.word) and len(terms.word) >= 2
        cols = "" if free and only_words else f"{word_cols} : "
        parts.append(f"{cols}{_fts_quote(terms.word)}")
    cols = "" if free else f"{word_cols} : "
    parts.extend(f"{cols}{_fts_quote(t)}" for t in terms.doc_numbers)
    if terms.uses_grams(alone=alone):
        grams = list(terms.grams)
        bigram = (
            len(grams) == 1 and len(grams[0]) == 2 and analysis.all_chinese(grams[0])
        )
        if free and bigram:
            token = _fts_quote(grams[0])
            if token not in parts:
                parts.append(token)
        else:
            parts.append(f"{gram_cols} : {_phrase(grams)}")
    if not parts:
        return ""
    return "(" + " OR ".join(parts) + ")"


def item_fragments(
    items: list[list[str]], *, title_only: bool, match_only: bool = False
) -> list[list[str]]:
    """Per item, the FTS5 expressions of its alternative fragments (empty ones dropped)."""
    out = []
    for alternatives in items:
        exprs = [
            e
            for e in (
                fragment_expr(
                    a,
                    title_only=title_only,
                    alone=len(items) == 1,
                    match_only=match_only,
                )
                for a in alternatives
            )
            if e
        ]
        if exprs:
            out.append(exprs)
    return out


def compile_items(items: list[list[str]], *, join: str, title_only: bool) -> str:
    """AND/OR of items, each an OR of alternative fragments."""
    return f" {join} ".join(
        exprs[0] if len(exprs) == 1 else "(" + " OR ".join(exprs) + ")"
        for exprs in item_fragments(items, title_only=title_only)
    )


def _terms_blob(title: str, body: str) -> tuple[list[str], bytes]:
    title_terms = " ".join(analysis.analyze(title))
    body = analysis.normalize(body)
    body_terms = " ".join(analysis.analyze(body, normalized=True))
    tgrams = " ".join(analysis.grams(title))
    bgrams = " ".join(analysis.grams(body, normalized=True))
    columns = [title_terms, body_terms, tgrams, bgrams]
    return columns, zlib.compress(SEP.join(columns).encode(), 1)


def _chars_columns(columns: list[str]) -> tuple[str, str]:
    """chars_N's title and body columns, from fts_N's four.

    A delete derives them again from the stored gram columns, so what
    ``analysis.char_terms`` gives for a text must not change without a new index
    format (a rebuild): a contentless FTS5 table removes exactly the terms it is
    handed.
    """
    return analysis.char_terms(columns[2]), analysis.char_terms(columns[3])


def _analyse(title: str, body: str) -> tuple:
    """What a document's title and body become in the index: fts_N's four columns,
    their compressed blob, chars_N's two columns, the title's pinyin keys."""
    columns, blob = _terms_blob(title, body)
    return columns, blob, _chars_columns(columns), *pinyin_keys(title)


def _analyse_texts(texts: list[tuple[str, str]]) -> list[tuple]:
    """_analyse over a batch: what a rebuild's analysis process runs."""
    return [_analyse(title, body) for title, body in texts]


class _Prepared:
    """A document analysed outside any transaction, ready to write."""

    __slots__ = ("blob", "chars", "columns", "doc", "initials", "pinyin")

    def __init__(self, doc: SearchDocument, analysed: tuple | None = None) -> None:
        self.doc = doc
        analysed = analysed or _analyse(doc.title, doc.body)
        self.columns, self.blob, self.chars, self.initials, self.pinyin = analysed


def _analysed_batches(
    docs: Iterable[SearchDocument], *, parallel: bool
) -> Iterator[list[_Prepared]]:
    """A rebuild's documents in batches, analysed. With ``parallel``, the batches
    after the first SERIAL_BATCHES are analysed in a second process, one batch
    ahead, while this one reads the documents and writes the index: analysis and
    FTS5's writing take about the same time, so a large rebuild uses two cores.
    A child that fails or dies fails the rebuild (BrokenProcessPool)."""
    batches = _batches(docs, BATCH)
    for batch in islice(batches, SERIAL_BATCHES if parallel else None):
        yield [_Prepared(doc) for doc in batch]
    if not parallel:
        return
    pool = None
    ahead: deque = deque()
    try:
        for batch in batches:
            if pool is None:
                pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
            texts = [(doc.title, doc.body) for doc in batch]
            ahead.append((batch, pool.submit(_analyse_texts, texts)))
            if len(ahead) > 1:
                yield _joined(*ahead.popleft())
        while ahead:
            yield _joined(*ahead.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _joined(batch: list[SearchDocument], future) -> list[_Prepared]:
    analysed = future.result()
    return [_Prepared(doc, a) for doc, a in zip(batch, analysed, strict=True)]


class EmbeddedBackend(BaseSearchBackend):
    """SQLite FTS5 + BM25 with phrase/title re-ranking; WAL for web + worker."""

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.path = Path(params["PATH"])
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self.rerank = params.get("RERANK", True)
        self._chars_known: dict[int, bool] = {}
        self.score_budget = params.get("SCORE_BUDGET", SCORE_BUDGET)
        # Rebuilds analyse in a second process where there is a second core.
        self.parallel_analysis = params.get(
            "PARALLEL_ANALYSIS", (os.cpu_count() or 1) > 1
        )

    # -- connection and schema -------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection, reopened after a fork."""
        if self._conn is None or self._pid != os.getpid():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA cache_size = -65536")
                conn.execute("PRAGMA mmap_size = 268435456")
                conn.execute("PRAGMA temp_store = MEMORY")
                # Debian builds SQLite with secure_delete on: every freed page is
                # zero-filled through the WAL, so dropping the old generation after a
                # rebuild rewrote all of it inside the switch's transaction (5.9 GB,
                # 4.1 GB of RSS at 100,000 documents). FAST still clears freed cells
                # within pages it writes anyway.
                conn.execute("PRAGMA secure_delete = FAST")
                conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, score REAL)"
                )
            except (OSError, sqlite3.Error) as exc:
                raise SearchUnavailable(
                    f"cannot open the search index {self.path}: {exc}"
                ) from exc
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
        self._chars_known.pop(gen, None)
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
        c.execute(
            f"CREATE VIRTUAL TABLE chars_{gen} USING fts5(t, b, content='',"
            f' detail=column, columnsize=0, tokenize="{TOKENIZE}")'
        )

    def _drop_generation(self, gen: int) -> None:
        self._chars_known.pop(gen, None)
        for table in ("fts", "chars", "docs", "facets", "suggest", "touched"):
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
        if self._chars_in(gen):
            c.execute(
                f"INSERT INTO chars_{gen} (rowid, t, b) VALUES (?,?,?)",
                (doc_id, *item.chars),
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

    def _chars_in(self, gen: int) -> bool:
        """Whether generation ``gen`` has chars_N (remembered per connection)."""
        known = self._chars_known
        if known.get(gen) is None:
            known[gen] = _has_chars(self.conn, gen)
        return known[gen]

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
        if self._chars_in(gen):
            c.execute(
                f"INSERT INTO chars_{gen} (chars_{gen}, rowid, t, b)"
                " VALUES ('delete',?,?,?)",
                (doc_id, *_chars_columns(columns)),
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
                self._bump()
            written += len(prepared)
        return written

    def delete(self, keys: Iterable[str]) -> int:
        """Remove documents by key from the live (and building) index."""
        keys = list(keys)
        removed = 0
        with _write_lock, self._transaction():
            self._bump()
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
            for prepared in _analysed_batches(docs, parallel=self.parallel_analysis):
                with _write_lock, self._transaction():
                    for item in prepared:
                        self._write(gen, item, touch=False, skip_touched=True)
                written += len(prepared)
            with _write_lock, self._transaction():
                old = self._generation()
                for table in ("fts", "chars"):
                    self.conn.execute(
                        f"INSERT INTO {table}_{gen} ({table}_{gen}) VALUES ('optimize')"
                    )
                self.conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('current', ?)", (str(gen),)
                )
                self.conn.execute("DELETE FROM meta WHERE key = 'building'")
                self.conn.execute(f"DELETE FROM touched_{gen}")
                self._bump()
                self._drop_generation(old)
        except BaseException:
            with _write_lock, self._transaction():
                if self._building() == gen:
                    self._drop_generation(gen)
                    self.conn.execute("DELETE FROM meta WHERE key = 'building'")
            raise
        self._compact()
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return written

    def _pages(self) -> tuple[int, int]:
        """(pages in the file, of which free)."""
        c = self.conn
        c.execute("PRAGMA wal_checkpoint(PASSIVE)")
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        return pages, c.execute("PRAGMA freelist_count").fetchone()[0]

    def _free_share(self) -> float:
        pages, free = self._pages()
        return free / pages if pages else 0.0

    def _compact(self) -> bool:
        """Rewrite the file without the old generation's free pages (VACUUM), when
        they are a large share of it: the live generation was written behind them,
        and a file twice its size is read more slowly (search/README.md). The copy
        goes to a temporary file, not to memory (this connection keeps its temp
        tables in memory, so a separate connection does it). Readers keep reading
        their snapshot meanwhile (WAL); index writes wait for it, as for any write.
        A failure leaves the index live and correct, only larger; it is logged."""
        if self._free_share() < COMPACT_FREE_SHARE:
            return False
        with _write_lock:
            try:
                vacuum = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                try:
                    vacuum.execute("PRAGMA busy_timeout = 30000")
                    vacuum.execute("PRAGMA temp_store = FILE")
                    vacuum.execute("PRAGMA secure_delete = FAST")  # see conn
                    vacuum.execute("VACUUM")
                finally:
                    vacuum.close()
            except sqlite3.Error as exc:
                logger.warning(
                    "search index %s was not compacted after its rebuild: %s",
                    self.path,
                    exc,
                )
                return False
        return True

    def clear(self) -> None:
        """Empty the live index (a rebuild from nothing)."""
        self.rebuild([])

    def count(self) -> int:
        """Documents in the live index."""
        return self.conn.execute(
            f"SELECT count(*) FROM docs_{self._generation()}"
        ).fetchone()[0]

    def check(self) -> list[str]:
        """The live index was built before chars_N: still correct, but a query of one
        character (or 2001年) expands a prefix over the whole index."""
        try:
            gen = self._generation()
            if self._chars_in(gen):
                return []
        except (SearchUnavailable, sqlite3.Error) as exc:
            return [f"无法读取搜索索引 {self.path}：{exc}"]
        return [
            f"搜索索引 {self.path} 的格式早于当前代码（缺少字符索引 chars_{gen}）："
            "检索结果不受影响，但单字和“2001年”这类检索较慢。请运行 manage.py "
            "rebuild_search_index（新索引建好后一次切换，搜索不中断）。"
        ]

    def size_bytes(self) -> int | None:
        """Bytes of live index data (file size less free pages)."""
        pages, free = self._pages()
        return (pages - free) * self.conn.execute("PRAGMA page_size").fetchone()[0]

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

    def _state(self) -> tuple[int, str | None]:
        """(live generation, write counter), read together."""
        rows = dict(
            self.conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('current', 'writes')"
            ).fetchall()
        )
        return int(rows.get("current") or 1), rows.get("writes")

    def _bump(self) -> None:
        """Count a write transaction, so every process reloads its _Columns."""
        self.conn.execute(
            "INSERT INTO meta VALUES ('writes', ?) ON CONFLICT(key) DO UPDATE"
            " SET value = CAST(value AS INTEGER) + 1",
            (str(random.getrandbits(48)),),
        )

    def _columns(self, gen: int, writes: str | None) -> _Columns:
        """This process's in-memory filter/facet data for the snapshot being read."""
        key = (gen, writes)
        name = str(self.path)
        with _columns_lock:
            cached = _columns.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        cols = _Columns(self.conn, gen, has_chars=self._chars_in(gen))
        with _columns_lock:
            _columns[name] = (key, cols)
        return cols

    def _expr(self, query: SearchQuery) -> str | None:
        """The FTS5 expression of the query's text (None when it has none)."""
        if not query.has_terms():
            return None
        title_only = query.scope == SCOPE_TITLE
        join = "OR" if query.mode == MODE_ANY else "AND"
        items = query.should if query.mode == MODE_ANY else query.must
        positive = compile_items(items, join=join, title_only=title_only)
        phrases = compile_items(
            [[p] for p in query.phrases], join="AND", title_only=title_only
        )
        if query.mode == MODE_ANY and not positive and not phrases:
            return ""
        return " AND ".join(f"({e})" for e in (positive, phrases) if e)

    def _text(self, cols: _Columns, query: SearchQuery) -> tuple[int, int, str] | None:
        """(mask, cost, AND expression) of the query's text less its exclusions.

        None if it has no text; the expression ("" when any word may match) lets a
        boost phrase be read within the text's matches (see _boost_mask).

        The match-only fragments combine as in ``_expr``. When every item must
        match, one FTS5 query intersects them (FTS5 skips through the broad
        doclists, and only the matches reach Python) unless all their masks are
        cached; when any item may, the union of the fragments' cached masks.
        Cost is the postings the fragments match in total, which is what FTS5's
        bm25() would have to read; it is counted only as far as the score budget,
        past which its size does not matter.
        """
        if not query.has_terms():
            return None
        title_only = query.scope == SCOPE_TITLE
        items = item_fragments(
            query.should if query.mode == MODE_ANY else query.must,
            title_only=title_only,
            match_only=True,
        )
        phrases = item_fragments(
            [[p] for p in query.phrases], title_only=title_only, match_only=True
        )
        if query.mode == MODE_ANY:
            for exprs in (*items, *phrases):
                for expr in exprs:
                    cols.term_mask(self.conn, expr)  # counted exactly on the way
        cost = 0
        counts: dict[str, int] = {}
        bounded: set[str] = set()  # counted only to their limit: at least that many
        # Plain tokens first: they count without reading positions, and once
        # they pass the budget one document says enough of the rest (a zero
        # still ends an every-word query).
        for expr in sorted(
            (e for exprs in (*items, *phrases) for e in exprs), key=_position_reads
        ):
            if expr not in counts:
                limit = max(self.score_budget - cost, 0) + 1
                counts[expr] = cols.count_upto(self.conn, expr, limit)
                if counts[expr] >= limit:
                    bounded.add(expr)
            if cost <= self.score_budget:
                cost += counts[expr]

        def item_expr(exprs: list[str]) -> str:
            return exprs[0] if len(exprs) == 1 else "(" + " OR ".join(exprs) + ")"

        def item_size(exprs: list[str]) -> int:
            return sum(counts[e] for e in exprs)

        def item_mask(exprs: list[str]) -> int:
            return reduce(or_, (cols.term_mask(self.conn, e)[0] for e in exprs), 0)

        excluded = [
            e
            for exprs in item_fragments(
                [[x] for x in query.exclude], title_only=False, match_only=True
            )
            for e in exprs
        ]
        if query.mode == MODE_ANY:
            # Any item may match: the union of each fragment's (cached) mask; the
            # broad words such queries hold recur from query to query.
            mask = item_mask([e for exprs in items for e in exprs]) if items else None
            for exprs in phrases:
                found = item_mask(exprs)
                mask = found if mask is None else mask & found
            if excluded and mask:
                mask &= ~item_mask(excluded)
            return mask or 0, cost, ""

        # Every item must match: one FTS5 query, rarest conjunct first, so FTS5
        # skips through the broader doclists and only the matches reach Python.
        # Conjuncts counted only to a limit follow, plain tokens before phrases.
        def rarest_first(exprs: list[str]) -> tuple:
            if bounded.isdisjoint(exprs):
                return (0, item_size(exprs))
            return (1, max(map(_position_reads, exprs)), item_size(exprs))

        sized = sorted([*items, *phrases], key=rarest_first)
        if not sized or any(item_size(e) == 0 for e in sized):
            return 0, cost, ""
        expr = " AND ".join(f"({item_expr(e)})" for e in sized)
        if all(cols.cached(e) for exprs in sized for e in exprs) and not excluded:
            return reduce(and_, map(item_mask, sized)), cost, expr
        # With chars_N, a prefix is a mask of its own, never part of a larger FTS5
        # query (FTS5 would expand it in full there too).
        held, dropped = -1, 0
        if cols.has_chars:
            prefixed = [exprs for exprs in sized if any(map(_has_prefix, exprs))]
            if prefixed:
                sized = [exprs for exprs in sized if not any(map(_has_prefix, exprs))]
                held = reduce(and_, map(item_mask, prefixed))
                expr = ""
            if any(map(_has_prefix, excluded)):
                dropped = item_mask(excluded)
                excluded = []
        if not sized:
            return held & ~dropped, cost, expr
        unless = f" NOT ({' OR '.join(excluded)})" if excluded else ""
        parts = (f"({e}){unless}" if unless else e for e in _split(sized))
        mask = reduce(or_, (cols.term_mask(self.conn, e)[0] for e in parts))
        return mask & held & ~dropped, cost, expr

    def _excluded(self, cols: _Columns, query: SearchQuery) -> int:
        mask = 0
        for exprs in item_fragments(
            [[e] for e in query.exclude], title_only=False, match_only=True
        ):
            for expr in exprs:
                mask |= cols.term_mask(self.conn, expr)[0]
        return mask

    def _constraints(
        self, cols: _Columns, query: SearchQuery
    ) -> list[tuple[str | None, int]]:
        """One mask per filter; the facet it belongs to (None: types and dates)."""
        c = self.conn
        out: list[tuple[str | None, int]] = []
        if query.types:
            out.append((None, cols.values_mask(c, "type", query.types)))
        if query.date_from or query.date_to:
            out.append(
                (
                    None,
                    cols.date_mask(
                        query.date_from.isoformat() if query.date_from else None,
                        query.date_to.isoformat() if query.date_to else None,
                    ),
                )
            )
        for name, values in query.filters.items():
            if values:
                out.append((name, cols.values_mask(c, name, values)))
        return out

    def _match_mask(self, cols: _Columns, query: SearchQuery) -> tuple[int, int, str]:
        """(documents matching the text minus exclusions, its cost, its AND expression)."""
        text = self._text(cols, query)
        if text is not None:
            return text
        excluded = self._excluded(cols, query)
        return (cols.all_mask & ~excluded if excluded else cols.all_mask), 0, ""

    def count_matches(self, query: SearchQuery) -> int:
        """Documents matching the text and filters, counted without ranking."""
        with self._transaction(write=False):
            gen, writes = self._state()
            cols = self._columns(gen, writes)
            mask, _cost, _expr = self._match_mask(cols, query)
            for _name, constraint in self._constraints(cols, query):
                mask &= constraint
            return mask.bit_count()

    def search(self, query: SearchQuery) -> SearchResults:
        """Match, filter, rank (BM25 + phrase/title features), facet and page.

        Matching is exact and comes from per-fragment masks. Ranking reads BM25
        from FTS5 when the fragments' postings fit SCORE_BUDGET; broader queries
        are ranked by title and body-phrase evidence, then date (_order_broad).
        """
        with self._transaction(write=False):
            gen, writes = self._state()
            cols = self._columns(gen, writes)
            match_mask, cost, text = self._match_mask(cols, query)
            within = (text, match_mask.bit_count())
            constraints = self._constraints(cols, query)
            final = match_mask
            for _name, constraint in constraints:
                final &= constraint
            total = final.bit_count()
            end = query.offset + query.page_size
            if not query.has_terms() or query.sort in (SORT_DATE_DESC, SORT_DATE_ASC):
                ordered = self._by_date(cols, query, {}, final, end)
            elif cost <= self.score_budget or not self.rerank:
                scores = self._match(gen, self._expr(query) or "", scored=True)
                ordered = self._order(gen, cols, query, scores, final, end, within)
            else:
                ordered = self._order_broad(cols, query, final, end, within)
            page_ids = ordered[query.offset : end]
            facets = (
                self._facets(cols, query, match_mask, constraints)
                if query.facets
                else {}
            )
            hits = self._hits(gen, query, page_ids)
        return SearchResults(
            total=total,
            hits=hits,
            facets=facets,
            page=query.page,
            page_size=query.page_size,
        )

    def _order(
        self,
        gen: int,
        cols: _Columns,
        query: SearchQuery,
        matched: dict[int, float] | None,
        final: int,
        end: int,
        within: tuple[str, int] = ("", 0),
    ) -> list[tuple[int, float]]:
        """The first ``end`` hits of one total order (the same on every page)."""
        if not final:
            return []
        scores = matched or {}
        if query.sort in (SORT_DATE_DESC, SORT_DATE_ASC) or matched is None:
            return self._by_date(cols, query, scores, final, end)
        rows = [(i, scores.get(i, 0.0)) for i in mask_to_ids(final)]
        if not self.rerank:
            return heapq.nlargest(end, rows, key=_by_score)
        top = max(s for _, s in rows) or 1.0
        data = final.to_bytes((final.bit_length() + 7) >> 3, "little")

        def member(i: int) -> bool:
            return (i >> 3) < len(data) and data[i >> 3] >> (i & 7) & 1 == 1

        boosts, body_docs = self._phrase_sets(cols, query, within)
        boosted = {
            i for i in boosts["body"].keys() | boosts["near"].keys() if member(i)
        }
        head = {i for i, _ in heapq.nlargest(RERANK_DEPTH, rows, key=_by_score)}
        if body_docs <= RERANK_DEPTH:
            head |= {i for i in boosts["body"] if member(i)}
        title_of = cols.title_index(self.conn)[3]
        scorer = TitleScorer(query)
        rescored: dict[int, float] = {}
        for doc_id in boosted | head:
            features = RankFeatures(
                bm25=scores.get(doc_id, 0.0) / top,
                body_phrase=boosts["body"].get(doc_id, 0.0),
                near=doc_id in boosts["near"],
            )
            if doc_id in head:
                scorer.apply(features, title_of[doc_id] or "", normalized=True)
            rescored[doc_id] = final_score(features)
        # Only the first ``end`` of each group (ties included) can reach the first
        # ``end`` places: the re-scored by their final score, everyone else by
        # normalised BM25.
        best = list(rescored.items())
        if len(best) > end:
            floor = heapq.nlargest(end, rescored.values())[-1]
            best = [r for r in best if r[1] >= floor]
        if len(rows) - len(rescored) > end:
            floor = heapq.nlargest(end, (s for i, s in rows if i not in rescored))[-1]
            floor /= top
            rest = [
                (i, s / top) for i, s in rows if s / top >= floor and i not in rescored
            ]
        else:
            rest = [(i, s / top) for i, s in rows if i not in rescored]
        date_of = cols.date_of
        candidates = [*best, *rest]
        candidates.sort(key=lambda r: (r[1], date_of[r[0]] or "", -r[0]), reverse=True)
        return candidates[:end]

    def _order_broad(
        self,
        cols: _Columns,
        query: SearchQuery,
        final: int,
        end: int,
        within: tuple[str, int] = ("", 0),
    ) -> list[tuple[int, float]]:
        """One total order for queries too broad for BM25, from cheap evidence.

        A head of RERANK_DEPTH documents (the most query words in the title, then
        the newest) plus the documents holding a boost phrase verbatim in the body
        gets the full title features and the body-phrase weight, as in ``_order``
        with BM25 left out; everyone else follows by title words, then date. The
        BM25 left out is small here: FTS5 gives words in over half the documents
        no weight at all, and such words are what makes a query broad.
        """
        if not final:
            return []
        words = [w for w in query.near_words if w]
        # Per-document count of query words in the title, as bit planes.
        planes: list[int] = []
        titled = cols.titles_within(self.conn, final)
        for word in words:
            carry = cols.title_mask(self.conn, word, final, titled)
            for k in range(len(planes)):
                if not carry:
                    break
                planes[k], carry = planes[k] ^ carry, planes[k] & carry
            if carry:
                planes.append(carry)
        tiers: list[int] = []  # tiers[c]: documents with c title words, c ≥ 1
        union = reduce(or_, planes, 0)
        for count in range(1, (1 << len(planes))):
            mask = union
            for k, plane in enumerate(planes):
                mask &= plane if count >> k & 1 else ~plane
            tiers.append(mask)
        tiers.reverse()  # most words first
        tiers.append(final & ~union)
        phrase: dict[int, float] = {}
        if query.scope != SCOPE_TITLE:
            for text in query.boost_phrases:
                grams = analysis.query_grams(text)
                weight = body_phrase_weight(text)
                if len(grams) < 2 or not weight:
                    continue
                found = self._boost_mask(cols, grams, within)
                for i in cols.newest(found & final, BROAD_PHRASE_DOCS):
                    phrase[i] = max(weight, phrase.get(i, 0.0))
        head: list[int] = []
        for mask in tiers:
            head.extend(cols.newest(mask, RERANK_DEPTH - len(head)))
            if len(head) >= RERANK_DEPTH:
                break
        rescored = set(head) | phrase.keys()
        _text, _starts, _ids, title_of = cols.title_index(self.conn)
        scorer = TitleScorer(query)
        date_of = cols.date_of
        best = []
        for doc_id in rescored:
            features = RankFeatures(body_phrase=phrase.get(doc_id, 0.0))
            scorer.apply(features, title_of[doc_id] or "", normalized=True)
            best.append((doc_id, final_score(features)))
        best.sort(key=lambda r: (r[1], date_of[r[0]] or "", -r[0]), reverse=True)
        out = best[:end]
        n = len(words) or 1
        for c, mask in enumerate(tiers):
            if len(out) >= end:
                break
            score = (len(tiers) - 1 - c) / n
            out.extend((i, score) for i in cols.newest(mask, end - len(out), rescored))
        return out

    def _by_date(
        self,
        cols: _Columns,
        query: SearchQuery,
        scores: dict[int, float],
        final: int,
        end: int,
    ) -> list[tuple[int, float]]:
        """Dated hits by (date, id), newest first unless asked otherwise; then undated by id."""
        newest_first = query.sort != SORT_DATE_ASC
        if final.bit_count() <= 4 * end + SMALL_SORT:
            ids = mask_to_ids(final)
            date_of = cols.date_of
            dated = sorted(
                (i for i in ids if date_of[i]),
                key=lambda i: (date_of[i], i),
                reverse=newest_first,
            )
            order = dated + [i for i in ids if not date_of[i]]
            return [(i, scores.get(i, 0)) for i in order[:end]]
        data = final.to_bytes((cols.top >> 3) + 1, "little")
        out: list[tuple[int, float]] = []
        walk = reversed(cols.by_date) if newest_first else iter(cols.by_date)
        for source in (walk, iter(cols.undated)):
            for i in source:
                if data[i >> 3] >> (i & 7) & 1:
                    out.append((i, scores.get(i, 0)))
                    if len(out) >= end:
                        return out
        return out

    def _boost_mask(
        self, cols: _Columns, grams: list[str], within: tuple[str, int]
    ) -> int:
        """Documents holding a boost phrase in the body: all of the text's matches
        that do, and maybe others.

        ``within`` is the text's AND expression and how many documents it
        matches. Up to WITHIN_DOCS of them, the phrase is read together with the
        expression: FTS5 then checks positions only where the text matches, about
        a microsecond per match. Otherwise it is read alone, and cached (phrases
        recur). A prefix phrase is always read alone (from chars_N, or FTS5 expands
        the prefix in full either way).

        Deciding by counting the documents that hold all the phrase's bigrams, as
        this did before, cost as much as the read it chose (a stock phrase's
        bigrams are all common): over the 1,200 bench requests, boost phrases took
        4.0 s that way and 2.5 s this way.
        """
        phrase = f"{{bg}} : {_phrase(grams)}"
        text, matched = within
        if (
            not text
            or matched > WITHIN_DOCS
            or grams[-1].endswith("*")
            or cols.cached(phrase)
        ):
            return cols.term_mask(self.conn, phrase)[0]
        return cols.term_mask(self.conn, f"({text}) AND {phrase}")[0]

    def _phrase_sets(
        self, cols: _Columns, query: SearchQuery, within: tuple[str, int]
    ) -> tuple[dict[str, dict[int, float]], int]:
        """Documents holding a boost phrase in the body, or the query words near.

        Each phrase is read alone (cached: phrases recur, and reading one alone
        costs less than reading it together with the text's words). The second
        value is how many documents hold any boost phrase: up to RERANK_DEPTH,
        all of them are re-ranked.
        """
        sets: dict[str, dict[int, float]] = {"body": {}, "near": {}}
        phrases = []
        for text in query.boost_phrases:
            grams = analysis.query_grams(text)
            weight = body_phrase_weight(text)
            if len(grams) < 2 or not weight or query.scope == SCOPE_TITLE:
                continue
            phrases.append(f"{{bg}} : {_phrase(grams)}")
            for doc_id in mask_to_ids(self._boost_mask(cols, grams, within)):
                sets["body"][doc_id] = max(weight, sets["body"].get(doc_id, 0.0))
        words = [w for w in query.near_words if len(w) >= 2 and analysis.query_grams(w)]
        if len(words) >= 2 and query.scope != SCOPE_TITLE:
            near = " ".join(_phrase(analysis.query_grams(w)) for w in words[:6])
            found = cols.term_mask(self.conn, f"{{bg}} : NEAR({near}, 12)")[0]
            sets["near"] = dict.fromkeys(mask_to_ids(found), 1.0)
        held = (
            cols.count_upto(self.conn, " OR ".join(phrases), RERANK_DEPTH + 1)
            if phrases
            else 0
        )
        return sets, held

    def _facets(
        self,
        cols: _Columns,
        query: SearchQuery,
        match_mask: int,
        constraints: list[tuple[str | None, int]],
    ) -> dict[str, list[FacetValue]]:
        """Counts per value over the hits, each facet ignoring its own filter."""
        out: dict[str, list[FacetValue]] = {}
        for name in query.facets:
            base = match_mask
            for owner, constraint in constraints:
                if owner != name:
                    base &= constraint
            counts = cols.counts(self.conn, name, base)
            if name != "type":
                counts = counts[:100]
            out[name] = [FacetValue(value=v, count=n) for v, n in counts]
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
                f"SELECT id, key, type, title, substr(body, 1, {SNIPPET_HEAD_CHARS}),"
                f" url, date, external_id, extra, facets, length(body)"
                f" FROM docs_{gen} WHERE id IN ({','.join('?' * len(ids))})",
                ids,
            ).fetchall()
        }
        terms = query.highlight_terms
        hits = []
        for doc_id, score in page:
            r = rows[doc_id]
            body, length = r[4], r[10]
            if length > len(body) and not head_has_terms(body, terms):
                body = self.conn.execute(
                    f"SELECT body FROM docs_{gen} WHERE id = ?", (doc_id,)
                ).fetchone()[0]
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
                    snippet_html=snippet(body, terms, full_length=length),
                    score=0.0 if math.isnan(score) else score,
                    extra=json.loads(r[8] or "{}"),
                    facets=facets,
                )
            )
        return hits

    # -- suggestions ----------------------------------------------------------

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles starting with / containing the text, or matching its pinyin.

        The ranks of search.suggesting.rank_suggestions, computed by SQLite in one
        pass; only the best rows reach Python, titles deduplicated in rank order.
        """
        text = normalize(prefix).strip()
        if not text or limit <= 0:
            return []
        compact = text.replace(" ", "")
        letters = _LETTERS_RE.match(compact) is not None
        tiers = ["substr(norm, 1, length(:t)) = :t", "instr(norm, :t) > 0"]
        params: dict[str, str] = {"t": text, "c": compact}
        if letters:
            tiers += [
                "substr(initials, 1, length(:c)) = :c",
                "instr(initials, :c) > 0",
            ]
            if len(compact) >= 3:
                tiers.append("instr(pinyin, :c) > 0")
            variants = sorted(_initial_variants(compact))
            params.update({f"v{n}": v for n, v in enumerate(variants)})
            tiers.append(
                " OR ".join(f"instr(initials, :v{n}) > 0" for n in range(len(variants)))
            )
        rank = "CASE " + " ".join(
            f"WHEN {cond} THEN {n}" for n, cond in enumerate(tiers)
        )
        gen = self._generation()
        fetch = limit * 4
        while True:
            rows = self.conn.execute(
                f"SELECT title FROM (SELECT title, date, doc_id, {rank} END AS r"
                f" FROM suggest_{gen}) WHERE r IS NOT NULL"
                f" ORDER BY r, length(title), coalesce(date, ''), doc_id LIMIT {fetch}",
                params,
            ).fetchall()
            seen: list[str] = []
            for (title,) in rows:
                if title not in seen:
                    seen.append(title)
                    if len(seen) >= limit:
                        return seen
            if len(rows) < fetch:
                return seen
            fetch *= 8


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
