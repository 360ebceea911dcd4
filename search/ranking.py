"""Relevance features and the final score, shared by every engine."""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.analysis import normalize, query_words
from search.documents import SearchQuery

TITLE_COVER = 1.0
TITLE_PHRASE = 0.6
TITLE_EXACT = 0.5
BODY_PHRASE_PER_WORD = 0.2
BODY_PHRASE_MAX_WORDS = 7
NEAR = 0.2
TITLE_BREVITY = 0.3


_NON_WORD_RE = re.compile(r"[\W_]+")


def _compact(text: str) -> str:
    """Text without spaces and punctuation, as phrases match across them."""
    return _NON_WORD_RE.sub("", text)


@dataclass
class RankFeatures:
    """What is known about one matching document, for re-ranking."""

    bm25: float = 0.0
    title_phrase: bool = False
    body_phrase: float = 0.0
    near: bool = False
    title_cover: float = 0.0
    title_exact: bool = False
    title_brevity: float = 0.0


class TitleScorer:
    """Title evidence for one query: word coverage, exact title, brevity."""

    def __init__(self, query: SearchQuery) -> None:
        self.words = list(query.near_words)
        self.phrases = [
            p
            for p in (_compact(normalize(t)) for t in query.boost_phrases)
            if len(p) >= 2
        ]
        self.compact = "".join(self.phrases)

    def apply(
        self, features: RankFeatures, title: str, *, normalized: bool = False
    ) -> None:
        """Fill the title features of one matching document."""
        norm = title if normalized else normalize(title)
        bare = _compact(norm)
        if any(p in bare for p in self.phrases):
            features.title_phrase = True
        if self.words:
            covered = sum(1 for w in self.words if w in norm)
            features.title_cover = covered / len(self.words)
        compact = self.compact
        if not compact:
            return
        if norm == compact or (
            norm.endswith(compact) and len(norm) - len(compact) <= 7
        ):
            features.title_exact = True
        if compact in bare:
            features.title_brevity = len(compact) / max(len(norm), 1)


def body_phrase_weight(text: str) -> float:
    """Evidence of the whole chunk occurring verbatim in the body grows with its words."""
    words = len(query_words(text))
    return (
        BODY_PHRASE_PER_WORD * min(words, BODY_PHRASE_MAX_WORDS) if words >= 2 else 0.0
    )


def final_score(f: RankFeatures) -> float:
    """Normalised BM25 plus phrase, proximity and title evidence."""
    return (
        f.bm25
        + TITLE_COVER * f.title_cover
        + TITLE_PHRASE * f.title_phrase
        + TITLE_EXACT * f.title_exact
        + f.body_phrase
        + NEAR * f.near
        + TITLE_BREVITY * f.title_brevity
    )
