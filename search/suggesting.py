"""Type-ahead ranking over titles: prefix, substring and pinyin initials."""

from __future__ import annotations

import re
from collections.abc import Iterable

from search.analysis import normalize

_LETTERS_RE = re.compile(r"^[a-z]+$")


def pinyin_syllables(title: str) -> list[str]:
    """The pinyin syllables of a title's Chinese characters: 三会一课 → san hui yi ke."""
    from pypinyin import lazy_pinyin

    return [s for s in lazy_pinyin(normalize(title), errors="ignore") if s]


def pinyin_keys(title: str) -> tuple[str, str]:
    """(initials, full pinyin) of a title's Chinese characters: 三会一课 → shyk, sanhuiyike."""
    syllables = pinyin_syllables(title)
    return "".join(s[0] for s in syllables), "".join(syllables)


def _initial_variants(letters: str) -> set[str]:
    """The letters and, for 4+ letters, every one-letter deletion (typing slips)."""
    variants = {letters}
    if len(letters) >= 4:
        variants |= {letters[:i] + letters[i + 1 :] for i in range(len(letters))}
    return variants


def rank_suggestions(prefix: str, rows: Iterable[tuple], limit: int) -> list[str]:
    """Rank (title, norm, initials, pinyin, date) rows for a typed prefix."""
    text = normalize(prefix).strip()
    if not text:
        return []
    compact = text.replace(" ", "")
    letters = _LETTERS_RE.match(compact) is not None
    variants = _initial_variants(compact) if letters else set()
    scored: list[tuple[int, int, str, str]] = []
    for title, norm, initials, pinyin, date in rows:
        rank = None
        if norm.startswith(text):
            rank = 0
        elif text in norm:
            rank = 1
        elif letters and initials.startswith(compact):
            rank = 2
        elif letters and compact in initials:
            rank = 3
        elif letters and len(compact) >= 3 and compact in pinyin:
            rank = 4
        elif letters and any(v in initials for v in variants):
            rank = 5
        if rank is not None:
            scored.append((rank, len(title), "" if date is None else date, title))
    scored.sort(key=lambda s: (s[0], s[1], s[2]))
    seen: list[str] = []
    for *_ignored, title in scored:
        if title not in seen:
            seen.append(title)
        if len(seen) >= limit:
            break
    return seen
