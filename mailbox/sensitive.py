"""Sensitive-word matching after normalisation (no Django here).

Normalisation: search.analysis.normalize (NFKC, traditional to simplified,
lower-case), then zero-width characters, whitespace and the filler
symbols people put between characters to dodge filters are removed.
"""

import re
import unicodedata
from collections.abc import Iterable

_ZERO_WIDTH = dict.fromkeys(
    map(
        ord, "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff"
    ),
    None,
)
_FILLERS = re.compile(r"[\s\W_]+", re.UNICODE)


def _base_normalize(text: str) -> str:
    from search.analysis import normalize

    return normalize(text)


def normalize_for_matching(text: str) -> str:
    """The form both the word list and the posted text are compared in."""
    text = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH))
    text = _base_normalize(text).translate(_ZERO_WIDTH)
    return _FILLERS.sub("", text)


def find_words(text: str, words: Iterable[str]) -> list[str]:
    """The listed words that occur in the text after normalisation, in list order."""
    haystack = normalize_for_matching(text)
    found = []
    for word in words:
        needle = normalize_for_matching(word)
        if needle and needle in haystack and word not in found:
            found.append(word)
    return found
