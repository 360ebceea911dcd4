"""Relevance features and the final score, shared by every engine."""

from __future__ import annotations

from dataclasses import dataclass

from search.analysis import normalize
from search.documents import SearchQuery

TITLE_COVER = 1.0
TITLE_PHRASE = 0.6
TITLE_EXACT = 0.5
BODY_PHRASE = 0.4
NEAR = 0.2
TITLE_BREVITY = 0.3


@dataclass
class RankFeatures:
    """What is known about one matching document, for re-ranking."""

    bm25: float = 0.0
    title_phrase: bool = False
    body_phrase: bool = False
    near: bool = False
    title_cover: float = 0.0
    title_exact: bool = False
    title_brevity: float = 0.0


def title_features(features: RankFeatures, title: str, query: SearchQuery) -> None:
    """Fill the title features: query-word coverage, exact title, brevity."""
    norm = normalize(title)
    words = query.near_words
    if words:
        covered = sum(1 for w in words if w in norm)
        features.title_cover = covered / len(words)
    compact = "".join(normalize(p) for p in query.boost_phrases).replace(" ", "")
    if compact and (
        norm == compact or (norm.endswith(compact) and len(norm) - len(compact) <= 7)
    ):
        features.title_exact = True
    if compact and compact in norm.replace(" ", ""):
        features.title_brevity = len(compact) / max(len(norm), 1)


def final_score(f: RankFeatures) -> float:
    """Normalised BM25 plus phrase, proximity and title evidence."""
    return (
        f.bm25
        + TITLE_COVER * f.title_cover
        + TITLE_PHRASE * f.title_phrase
        + TITLE_EXACT * f.title_exact
        + BODY_PHRASE * f.body_phrase
        + NEAR * f.near
        + TITLE_BREVITY * f.title_brevity
    )
