"""Snippets: the window with the most distinct query terms, found in one pass."""

import random

from search import highlight


def window_by_every_start(spans, size):
    """The rule spelt out: score every span's window from scratch."""
    best_start, best_score = spans[0][0], -1
    for i, (start, _end, _term) in enumerate(spans):
        seen = set()
        for _s, end, term in spans[i:]:
            if end - start > size:
                break
            seen.add(term)
        score = len(seen) * 1000 - start // 1000
        if score > best_score:
            best_start, best_score = start, score
    return best_start


def test_one_pass_window_matches_scoring_every_window():
    rng = random.Random(7)
    for _case in range(300):
        spans, at = [], 0
        for _n in range(rng.randint(1, 60)):
            at += rng.randint(0, 400)
            length = rng.choice([2, 2, 3, 4, 150])
            spans.append((at, at + length, rng.choice("甲乙丙丁戊")))
            at += length
        size = rng.choice([20, 140, 600])
        assert highlight._best_window(spans, size) == window_by_every_start(spans, size)


def test_snippet_shows_the_passage_holding_most_terms():
    body = (
        "党费按月交纳。"
        + "其他内容。" * 60
        + "支部应当公布党费收缴情况，接受党员监督。"
        + "其他内容。" * 60
    )
    html = highlight.snippet(body, ["党费", "公布", "监督"])
    assert html.startswith("…")
    assert html.count("<mark>") == 3
    assert "<mark>公布</mark>" in html and "<mark>监督</mark>" in html
