"""How many of a document's index terms are common ones, on a built embedded index.

Usage: .venv/bin/python bench/search_vocabulary.py [--index var/bench-scale/scale.sqlite3]
       [--every 20] [--shares 0.5,1,2,5,10]

Reads the analysed terms every embedded index stores per document (docs_N.terms, the
four columns fts_N holds) for every Nth document of the live generation, and prints the
mean number of distinct (column, token) pairs per document, then, for each share s, the
size of the vocabulary of pairs held by at least s % of the sampled documents and how
many of a document's pairs it holds on average. That is what a position-free copy of
fts_N limited to common tokens would write per document (search/README.md). Read-only.
"""

from __future__ import annotations

import argparse
import collections
import sqlite3
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.backends.embedded import SEP


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="var/bench-scale/scale.sqlite3")
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--shares", default="0.5,1,2,5,10")
    args = parser.parse_args()
    if not Path(args.index).is_file():
        sys.exit(
            f"no index at {args.index}: build one with bench/search_scale.py --keep"
        )
    conn = sqlite3.connect(f"file:{args.index}?mode=ro", uri=True)
    gen = int(
        conn.execute("SELECT value FROM meta WHERE key = 'current'").fetchone()[0]
    )
    df: collections.Counter = collections.Counter()
    docs: list[set] = []
    for (blob,) in conn.execute(
        f"SELECT terms FROM docs_{gen} WHERE id % ? = 0",  # noqa: S608 (an integer)
        (args.every,),
    ):
        columns = zlib.decompress(blob).decode().split(SEP)
        pairs = {
            (i, t) for i, column in enumerate(columns) for t in column.split() if t
        }
        docs.append(pairs)
        df.update(pairs)
    if not docs:
        sys.exit("the index holds no documents")
    n = len(docs)
    print(f"{n} documents sampled (every {args.every}th id of generation {gen})")
    print(f"distinct (column, token) pairs per document: {sum(map(len, docs)) / n:.0f}")
    for share in (float(s) for s in args.shares.split(",")):
        vocabulary = {pair for pair, count in df.items() if count >= share / 100 * n}
        held = sum(len(d & vocabulary) for d in docs) / n
        print(
            f"held by >= {share:g} % of documents: {len(vocabulary):>7} pairs,"
            f" {held:.0f} per document"
        )


if __name__ == "__main__":
    main()
