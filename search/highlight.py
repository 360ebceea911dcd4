"""Highlighted titles and snippets on the original text, for every engine."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.html import escape

from search.analysis import normalize, to_simplified

SNIPPET_CHARS = 140
MAX_SCAN_CHARS = 200_000


def normalize_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """normalize(text) and, when lengths differ, the original index of each char.

    ``None`` for offsets means the mapping is the identity (the common case).
    """
    fast = normalize(text)
    if len(fast) == len(text):
        return fast, None
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        piece = to_simplified(unicodedata.normalize("NFKC", ch)).lower()
        chars.append(piece)
        offsets.extend([i] * len(piece))
    return "".join(chars), offsets


_OPEN = "〔[(【〈<{"
_CLOSE = "〕])】〉>}"


def _term_regex(term: str) -> str:
    """A term as a regex that accepts any 发文字号 bracket style."""
    out = []
    for ch in term:
        if ch in _OPEN:
            out.append("[" + re.escape(_OPEN) + "]")
        elif ch in _CLOSE:
            out.append("[" + re.escape(_CLOSE) + "]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=256)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile("|".join(_term_regex(t) for t in cleaned))


def _mark(original: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(escape(original[pos:start]))
        out.append(f"<mark>{escape(original[start:end])}</mark>")
        pos = end
    out.append(escape(original[pos:]))
    return "".join(out)


def _spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    pattern = _terms_pattern(terms)
    if pattern is None:
        return []
    normalized, offsets = normalize_with_offsets(text[:MAX_SCAN_CHARS])
    spans = []
    for match in pattern.finditer(normalized):
        start, end = match.span()
        if offsets is not None:
            start, end = offsets[start], offsets[end - 1] + 1
        spans.append((start, end))
    return spans


def highlight_title(title: str, terms: list[str]) -> str:
    """The whole title as safe HTML with query terms in <mark>."""
    return _mark(title, _spans(title, tuple(terms)))


def snippet(body: str, terms: list[str], size: int = SNIPPET_CHARS) -> str:
    """The window of the body with the most distinct query terms, as safe HTML."""
    body = body or ""
    spans = _spans(body, tuple(terms))
    if not spans:
        text = " ".join(body[: size * 2].split())[:size]
        return escape(text) + ("…" if len(body) > size else "")
    best_start, best_score = spans[0][0], -1
    for i, (start, _end) in enumerate(spans):
        seen = set()
        for s, e in spans[i:]:
            if e - start > size:
                break
            seen.add(normalize(body[s:e]))
        score = len(seen) * 1000 - start // 1000
        if score > best_score:
            best_start, best_score = start, score
    lead = min(20, best_start)
    start = best_start - lead
    line_start = body.rfind("\n", start, best_start)
    if line_start != -1:
        start = line_start + 1
    end = min(len(body), start + size)
    inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    text = _mark(body[start:end], inside).replace("\n", " ")
    return ("…" if start > 0 else "") + text + ("…" if end < len(body) else "")
