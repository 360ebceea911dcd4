"""Marks a reader's search terms in a document page's HTML (text nodes only)."""

from __future__ import annotations

import html
import re

_TAG_RE = re.compile(r"(<[^>]+>)")
MAX_TERMS = 12


def terms_for(query: str) -> list[str]:
    """Highlight terms of a query, through the search app's parser when it is installed."""
    query = " ".join((query or "").split())[:100]
    if not query:
        return []
    from search.query import parse
    from search.synonyms import synonym_map

    return parse(query, synonyms=synonym_map()).highlight_terms[:MAX_TERMS]


def highlight_html(markup: str, terms: list[str]) -> tuple[str, int]:
    """(markup with <mark class="hl" id="hl-N"> around matches, number of matches)."""
    if not terms or not markup:
        return markup, 0
    from search.highlight import highlight_title

    parts = _TAG_RE.split(markup)
    count = 0
    inside_mark = False
    for index, part in enumerate(parts):
        if not part:
            continue
        if part.startswith("<"):
            inside_mark = part.lower().startswith("<mark") or (
                inside_mark and not part.lower().startswith("</mark")
            )
            continue
        if inside_mark:
            continue
        marked = highlight_title(html.unescape(part), terms)
        pieces = marked.split("<mark>")
        out = [pieces[0]]
        for piece in pieces[1:]:
            count += 1
            out.append(f'<mark class="hl" id="hl-{count}">{piece}')
        parts[index] = "".join(out)
    return "".join(parts), count
