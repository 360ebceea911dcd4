"""Highlighted titles and snippets on the original text, for every engine."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.html import escape

from search.analysis import _traditional_chars, to_simplified

SNIPPET_CHARS = 140
FIRST_SCAN_CHARS = 6_000
MAX_SCAN_CHARS = 120_000
MAX_SPANS = 400


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Basic-plane letters and digits whose normalised form is one different character.

    Punctuation is left alone: highlight patterns accept both widths instead.
    """
    traditional = _traditional_chars()
    table: dict[int, str] = {}
    for code in range(0x20, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        if not ch.isalnum():
            continue
        piece = unicodedata.normalize("NFKC", ch)
        if ch in traditional or piece in traditional:
            piece = to_simplified(piece)
        piece = piece.lower()
        if len(piece) == 1 and piece != ch:
            table[code] = piece
    return table


def fold(text: str) -> str:
    """A one-to-one normalisation for locating terms: each character maps to one.

    Characters whose NFKC/simplified/lower-case form is a single different
    character are replaced; the rest (…, ①, ㎡) stay, so offsets in the folded text
    are offsets in the original.
    """
    if _fold_keys().search(text) is None:
        return text
    return text.translate(_fold_table())


@lru_cache(maxsize=1)
def _fold_keys() -> re.Pattern[str]:
    """A character class of the characters fold() changes (a scan in C)."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in _fold_table()) + "]")


_OPEN = "〔[(【〈<{（［｛〖"
_CLOSE = "〕])】〉>}）］｝〗"


def _term_regex(term: str) -> str:
    """A term as a regex that accepts any 发文字号 bracket style."""
    out = []
    for ch in term:
        if ch in _OPEN:
            out.append("[" + re.escape(_OPEN) + "]")
        elif ch in _CLOSE:
            out.append("[" + re.escape(_CLOSE) + "]")
        elif "!" <= ch <= "~" and not ch.isalnum():
            out.append("[" + re.escape(ch + chr(ord(ch) + 0xFEE0)) + "]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=256)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile("|".join(_term_regex(t) for t in cleaned))


def _mark(original: str, spans: list[tuple]) -> str:
    out: list[str] = []
    pos = 0
    for start, end, *_ in spans:
        if start < pos:
            continue
        out.append(escape(original[pos:start]))
        out.append(f"<mark>{escape(original[start:end])}</mark>")
        pos = end
    out.append(escape(original[pos:]))
    return "".join(out)


def _spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """(start, end, normalised match) in the original text for each term occurrence."""
    pattern = _terms_pattern(terms)
    if pattern is None:
        return []
    spans = []
    for match in pattern.finditer(fold(text[:FIRST_SCAN_CHARS])):
        spans.append((*match.span(), match.group()))
        if len(spans) >= MAX_SPANS:
            return spans
    if not spans and len(text) > FIRST_SCAN_CHARS:
        rest = fold(text[FIRST_SCAN_CHARS:MAX_SCAN_CHARS])
        for match in pattern.finditer(rest):
            start, end = match.span()
            spans.append(
                (start + FIRST_SCAN_CHARS, end + FIRST_SCAN_CHARS, match.group())
            )
            if len(spans) >= MAX_SPANS:
                break
    return spans


def highlight_title(title: str, terms: list[str]) -> str:
    """The whole title as safe HTML with query terms in <mark>."""
    return _mark(title, _spans(title, tuple(terms)))


def _best_window(spans: list[tuple[int, int, str]], size: int) -> int:
    """Start of the first span whose window of ``size`` holds the most distinct terms.

    Earlier windows win ties between equal counts only within the same thousand
    characters. One pass: spans end in order, so each window's last span only
    moves forward.
    """
    best_start, best_score = spans[0][0], -1
    inside: dict[str, int] = {}
    j = 0
    for i, (start, _end, term) in enumerate(spans):
        j = max(j, i)
        while j < len(spans) and spans[j][1] - start <= size:
            inside[spans[j][2]] = inside.get(spans[j][2], 0) + 1
            j += 1
        score = len(inside) * 1000 - start // 1000
        if score > best_score:
            best_start, best_score = start, score
        if j > i:
            if inside[term] == 1:
                del inside[term]
            else:
                inside[term] -= 1
    return best_start


def snippet(
    body: str,
    terms: list[str],
    size: int = SNIPPET_CHARS,
    *,
    full_length: int | None = None,
) -> str:
    """The window of the body with the most distinct query terms, as safe HTML.

    ``body`` may be the head of a longer text (see SNIPPET_HEAD_CHARS) whose whole
    length is ``full_length``; the trailing ellipsis then reflects the whole text.
    """
    body = body or ""
    length = max(len(body), full_length or 0)
    spans = _spans(body, tuple(terms))
    if not spans:
        text = " ".join(body[: size * 2].split())[:size]
        return escape(text) + ("…" if length > size else "")
    best_start = _best_window(spans, size)
    lead = min(20, best_start)
    start = best_start - lead
    line_start = body.rfind("\n", start, best_start)
    if line_start != -1:
        start = line_start + 1
    end = min(len(body), start + size)
    inside = [(s - start, e - start) for s, e, _t in spans if s >= start and e <= end]
    text = _mark(body[start:end], inside).replace("\n", " ")
    return ("…" if start > 0 else "") + text + ("…" if end < length else "")


# The part of a text in which snippet() looks for terms first: an engine that stores
# this head can make every snippet whose terms occur early without the whole text.
SNIPPET_HEAD_CHARS = FIRST_SCAN_CHARS + SNIPPET_CHARS


def head_has_terms(head: str, terms: list[str]) -> bool:
    """True when some query term occurs in the head, so snippet(head) is final."""
    return bool(_spans(head[:FIRST_SCAN_CHARS], tuple(terms)))
