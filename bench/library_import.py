"""Import the whole policy corpus into a fresh SQLite database and print figures.

Usage: .venv/bin/python bench/library_import.py [PATH] [--batch-size N]
Prints documents/s (including search indexing), resident memory over the import
(sampled after every batch, plus the process peak), database and index sizes.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import time
from pathlib import Path

from fresh_site import fresh_site

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "policy-docs.jsonl.gz"


def rss_mb() -> float:
    """Current resident set size of this process in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _cpu_split() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _cpu_seconds() -> float:
    return sum(_cpu_split())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default=str(CORPUS))
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    parser.add_argument(
        "--workers", type=int, default=max(0, (os.cpu_count() or 1) - 1)
    )
    args = parser.parse_args()

    var = fresh_site("bench-library-", log_level=logging.INFO)
    from library.importers import import_documents
    from library.models import PolicyDocumentPage
    from library.services import ensure_library_page
    from search.backends import get_backend

    ensure_library_page()
    samples: list[tuple[int, float]] = []
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        samples.append((done, rss_mb()))

    start_rss = rss_mb()
    cpu_before = _cpu_seconds()
    own_before, children_before = _cpu_split()
    started = time.perf_counter()
    report = import_documents(
        Path(args.path),
        batch_size=args.batch_size,
        progress=progress,
        workers=args.workers,
    )
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    own_after, children_after = _cpu_split()

    started_again = time.perf_counter()
    again = import_documents(Path(args.path), batch_size=args.batch_size)
    reimport = time.perf_counter() - started_again

    backend = get_backend()
    index_bytes = backend.size_bytes() or 0
    db_bytes = sum(f.stat().st_size for f in var.glob("db.sqlite3*"))
    tenth = samples[max(0, len(samples) // 10 - 1)][1] if samples else start_rss
    peak_sampled = max((r for _, r in samples), default=start_rss)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus:               {args.path}")
    print(f"documents imported:   {report.created} new, {len(report.problems)} skipped")
    print(f"pages in database:    {PolicyDocumentPage.objects.count()}")
    print(f"documents indexed:    {report.indexed} (index count {backend.count()})")
    print(f"import time:          {elapsed:.1f} s")
    print(
        f"throughput:           {report.created / elapsed:.0f} documents/s (with indexing, wall clock, {args.workers} index workers)"
    )
    print(
        f"CPU time:             {cpu:.1f} s in this process and its workers ({report.created / cpu:.0f} documents per CPU-second)"
    )
    print(
        f"CPU split:            main process {own_after - own_before:.1f} s, "
        f"index workers {children_after - children_before:.1f} s "
        "(wall time on idle cores is about the larger of the two)"
    )
    print(f"load average now:     {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"re-import (no change):{again.unchanged} unchanged in {reimport:.1f} s")
    print(f"RSS before import:    {start_rss:.0f} MB")
    print(f"RSS after 10 %:       {tenth:.0f} MB")
    print(f"RSS at end:           {samples[-1][1] if samples else 0:.0f} MB")
    print(f"RSS peak (sampled):   {peak_sampled:.0f} MB; process peak {peak:.0f} MB")
    print(f"database size:        {db_bytes / 1048576:.1f} MB")
    print(f"index size:           {index_bytes / 1048576:.1f} MB")
    if args.keep:
        print(f"temp dir:             {var}")
    else:
        import shutil

        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
