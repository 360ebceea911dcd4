"""The one place that turns text into search terms, at index and at query time.

Two term streams come out of a text:
- ``analyze``: jieba (jieba-rs) words in search-engine mode (words plus their sub-words), stop
  words dropped, plus one combined term per 发文字号 — for BM25 ranking;
- ``grams``: overlapping character bigrams with punctuation removed — for
  segmentation-independent phrase and substring matching (党费 inside 按时交纳党费).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from operator import add
from pathlib import Path

DICT_DIR = Path(__file__).resolve().parent / "dict"
MAX_DOC_NUMBER_PREFIX = 6

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The units of grams(): a Chinese run, punctuation and spaces included (dropped
# afterwards), or a run of letters/digits.
_RUN_RE = re.compile(rf"([{_CJK}][{_CJK}\W_]*)|([0-9a-z]+|[^\W_{_CJK}]+)")
_NON_WORD_RE = re.compile(r"[\W_]+")
_WORD_PART_RE = re.compile(r"[^\W_]+")
_CJK_CHAR_RE = re.compile(rf"[{_CJK}]")
_DOC_NUMBER_RE = re.compile(
    r"[〔\[(【〈<{]\s*((?:19|20)\d{2})\s*[〕\])】〉>}]\s*第?\s*(\d{1,5})\s*号"
    r"|((?:19|20)\d{2})年?\s*第?(\d{1,5})号"
)
_PREFIX_RE = re.compile(rf"([{_CJK}]{{1,12}})\s*$")

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that t2s may change; text without them skips the slow converter."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets.split(" ")[0] != source:
            chars.add(source)
    return frozenset(chars)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Words never indexed nor searched as terms."""
    lines = (DICT_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip())


_tokenizer = None


def _jieba():
    """The project's jieba tokenizer (jieba-rs), built once with our dictionary."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import rjieba

                tokenizer = rjieba.Jieba()
                for line in (
                    (DICT_DIR / "party_terms.txt").read_text("utf-8").splitlines()
                ):
                    parts = line.split()
                    if parts:
                        freq = int(parts[1]) if len(parts) > 1 else None
                        tokenizer.add_word(
                            parts[0], freq, parts[2] if len(parts) > 2 else None
                        )
                _tokenizer = tokenizer
    return _tokenizer


def to_simplified(text: str) -> str:
    """Traditional → simplified, only on the lines that need it."""
    chars = _traditional_chars()
    if chars.isdisjoint(text):
        return text
    converter = _t2s()
    lines = text.split("\n")
    return "\n".join(
        line if chars.isdisjoint(line) else converter.convert(line) for line in lines
    )


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), traditional → simplified, lower-case."""
    if not text:
        return ""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def doc_number_terms(normalized: str, *, query: bool = False) -> list[str]:
    """Combined terms for each 发文字号 (国发〔2016〕31号 → 国发_2016_31).

    In documents every prefix tail of 2..6 characters is emitted, because the text
    before the issuer code is unknown; a query emits its own prefix as typed.
    """
    terms: list[str] = []
    if "号" not in normalized:
        return terms
    for match in _DOC_NUMBER_RE.finditer(normalized):
        year = match.group(1) or match.group(3)
        number = str(int(match.group(2) or match.group(4)))
        before = _PREFIX_RE.search(
            normalized, max(0, match.start() - 14), match.start()
        )
        if before is None:
            continue
        prefix = before.group(1)
        terms.append(f"docno_{year}_{number}")
        if query:
            terms.append(f"{prefix[-MAX_DOC_NUMBER_PREFIX:]}_{year}_{number}")
            continue
        for size in range(2, min(len(prefix), MAX_DOC_NUMBER_PREFIX) + 1):
            terms.append(f"{prefix[-size:]}_{year}_{number}")
    return list(dict.fromkeys(terms))


def _words(normalized: str) -> list[str]:
    stops = stop_words()
    tokens = _jieba().cut_for_search(normalized, False)
    # One comprehension for the usual tokens (alphanumeric, or one punctuation
    # character: no word); a longer token with punctuation inside (2016-01) gives
    # its alphanumeric parts in its place. Comprehensions instead of a loop: this
    # runs over every token of every document at import.
    kept = [t for t in tokens if t.isalnum() or len(t) > 1]
    if all(map(str.isalnum, kept)):
        return [t for t in kept if t not in stops]
    out: list[str] = []
    for token in kept:
        parts = [token] if token.isalnum() else _WORD_PART_RE.findall(token)
        out.extend(p for p in parts if p not in stops)
    return out


def analyze(text: str, *, normalized: bool = False) -> list[str]:
    """Index terms of a text: words and sub-words in order, plus 发文字号 terms.

    Pass ``normalized=True`` when ``text`` already went through normalize().
    """
    source = text if normalized else normalize(text)
    return _words(source) + doc_number_terms(source)


@lru_cache(maxsize=4096)
def _query_words(text: str) -> tuple[str, ...]:
    normalized = normalize(text)
    stops = stop_words()
    words: list[str] = []
    for token in _jieba().cut(normalized, True):
        for part in _WORD_PART_RE.findall(token):
            if part not in stops and part not in words:
                words.append(part)
    return tuple(words)


def query_words(text: str) -> list[str]:
    """Words of a query, each once, in order (sub-words of longer words omitted)."""
    return list(_query_words(text))


def analyze_query(text: str) -> list[str]:
    """Query terms: the query's words plus its 发文字号 terms."""
    normalized = normalize(text)
    return query_words(normalized) + [
        t
        for t in doc_number_terms(normalized, query=True)
        if not t.startswith("docno_")
    ]


def _is_cjk(unit: str) -> bool:
    return len(unit) == 1 and bool(_CJK_CHAR_RE.match(unit))


def grams(text: str, *, normalized: bool = False) -> list[str]:
    """Bigram stream for phrase matching: 按时交纳 → 按时 时交 交纳 纳.

    Punctuation and spaces are dropped, so phrases match across them; a Chinese
    character followed by another one gives a bigram, otherwise a unigram;
    letters and digits stay whole.
    """
    source = text if normalized else normalize(text)
    # A run at a time rather than a character at a time: a Chinese run (Chinese
    # characters with only punctuation or spaces between them, which are
    # dropped) gives its bigrams by pairing it with itself shifted by one, and
    # its last character alone; letters and digits stay whole.
    out: list[str] = []
    for chinese, other in _RUN_RE.findall(source):
        if chinese:
            if not chinese.isalnum():
                # Unassigned code points in the ranges are not characters: dropped
                # like punctuation, which can leave nothing.
                chinese = _NON_WORD_RE.sub("", chinese)
                if not chinese:
                    continue
            out += map(add, chinese, chinese[1:])
            out.append(chinese[-1])
        else:
            out.append(other)
    return out


_RUN_BEFORE_CJK_RE = re.compile(rf"([^ {_CJK}]+) ([{_CJK}])")


@lru_cache(maxsize=1)
def _cjk_table():
    import numpy as np  # only indexing needs it; every process imports this module

    table = np.zeros(0x10000, dtype=np.bool_)
    for low, high in re.findall(r"(.)-(.)", _CJK):
        table[ord(low) : ord(high) + 1] = True
    return table


def char_terms(gram_stream: str) -> str:
    """What a bigram prefix can match, as plain terms: each Chinese character a
    gram starts with, and each letter/digit run joined to the character after it.

    ``grams`` gives every Chinese character exactly one gram starting with it, so
    the prefix 法* matches the grams of a text exactly when 法 is one of these
    terms, and the phrase "2001 年*" exactly when 2001年 is. The terms of one
    text, each once, from its space-separated gram stream: the characters (every
    Chinese character in the stream heads a gram) by code point, then the runs.
    """
    import numpy as np

    units = np.frombuffer(gram_stream.encode("utf-16-le", "surrogatepass"), np.uint16)
    seen = np.zeros(0x10000, dtype=np.bool_)
    seen[units] = True
    seen &= _cjk_table()
    found = [chr(c) for c in np.flatnonzero(seen).tolist()]
    found += dict.fromkeys(a + b for a, b in _RUN_BEFORE_CJK_RE.findall(gram_stream))
    return " ".join(found)


def query_grams(text: str) -> list[str]:
    """The bigram phrase for a query fragment.

    A lone last character (not covered by the previous bigram) is where the document
    may continue: it becomes a prefix "x*" in a short phrase and is dropped from a
    phrase of three or more tokens, whose other tokens are selective enough.
    """
    return list(_query_grams(text))


@lru_cache(maxsize=4096)
def _query_grams(text: str) -> tuple[str, ...]:
    out = grams(text)
    if not out:
        return ()
    tail = out[-1]
    if _is_cjk(tail):
        covered = len(out) > 1 and len(out[-2]) == 2 and out[-2][1] == tail
        if covered or len(out) >= 3:
            out.pop()
        else:
            out[-1] = tail + "*"
    return tuple(out)


@dataclass(frozen=True)
class FragmentTerms:
    """What one query fragment matches, the same for every engine.

    A fragment matches as its word (when it is a single word), as each of its
    发文字号 terms, or as its bigram phrase; the phrase is left out when it is a
    lone one-character prefix and the fragment sits next to other words that
    already match it as a word (as a bigram prefix it would touch most of the
    index for little precision).
    """

    word: str | None
    doc_numbers: tuple[str, ...]
    grams: tuple[str, ...]

    @property
    def lone_prefix(self) -> bool:
        return len(self.grams) == 1 and self.grams[0].endswith("*")

    @property
    def terms(self) -> list[str]:
        """The word (if one) and the 发文字号 terms."""
        return ([self.word] if self.word else []) + list(self.doc_numbers)

    def uses_grams(self, *, alone: bool) -> bool:
        """Whether the bigram phrase is one of the fragment's alternatives."""
        return bool(self.grams) and not (self.lone_prefix and self.terms and not alone)


@lru_cache(maxsize=4096)
def fragment_terms(fragment: str) -> FragmentTerms:
    """The word, 发文字号 terms and bigram phrase of a query fragment."""
    words = query_words(fragment)
    return FragmentTerms(
        word=words[0] if len(words) == 1 else None,
        doc_numbers=tuple(
            t
            for t in doc_number_terms(normalize(fragment), query=True)
            if not t.startswith("docno_")
        ),
        grams=tuple(query_grams(fragment)),
    )


def has_chinese(text: str) -> bool:
    """At least one character is a Chinese character."""
    return _CJK_CHAR_RE.search(text) is not None


def all_chinese(text: str) -> bool:
    """Every character is a Chinese character (and there is at least one)."""
    return bool(text) and all(_CJK_CHAR_RE.match(ch) for ch in text)
