# ruff: noqa: S608  (table names are the index's own generations)
"""A large rebuild of the embedded index analyses in a second process
(embedded._analysed_batches): the index it writes is, row for row and term for
term, the one a rebuild in a single process writes."""

import datetime
import resource

from search.backends import embedded
from search.query import parse

from .conftest import doc
from .test_embedded_speed_paths import make


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def documents(n: int) -> list:
    """Varied titles and bodies (words, numbers, a 发文字号, letters for pinyin)."""
    subjects = ["党费收缴", "组织生活", "发展党员", "换届选举", "学习教育", "廉政建设"]
    return [
        doc(
            f"policy:{i}",
            f"关于{subjects[i % 6]}工作的通知（第{i}号）",
            f"各党支部：现就{subjects[(i * 7) % 6]}有关事项通知如下。"
            f"一、按照党组发〔{2000 + i % 25}〕{i % 97}号文件要求，"
            f"于{1 + i % 12}月底前完成。二、{subjects[(i * 5) % 6]}情况按季度报送。",
            date=datetime.date(2000 + i % 25, 1 + i % 12, 1 + i % 28),
            facets={"year": str(2000 + i % 25), "issuer": f"机关党委{i % 5}"},
        )
        for i in range(n)
    ]


def table_rows(backend, table: str) -> list:
    gen = backend._generation()
    return backend.conn.execute(f"SELECT * FROM {table}_{gen} ORDER BY 1, 2").fetchall()


def vocabulary(backend, table: str, kind: str) -> list:
    """Every (term, document, column, ...) entry of an FTS5 table, via fts5vocab."""
    gen = backend._generation()
    name = f"v_{table}_{kind}"
    backend.conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{name}"
        f" USING fts5vocab(main, {table}_{gen}, {kind})"
    )
    return backend.conn.execute(
        f"SELECT * FROM temp.{name} ORDER BY 1, 2, 3"
    ).fetchall()


def test_a_rebuild_in_two_processes_writes_the_same_index(tmp_path):
    docs = documents(embedded.BATCH * (embedded.SERIAL_BATCHES + 3) + 17)
    single = make(tmp_path, "single.sqlite3", PARALLEL_ANALYSIS=False)
    before = children_cpu()
    assert single.rebuild(docs) == len(docs)
    assert children_cpu() == before  # no other process took part

    two = make(tmp_path, "two.sqlite3", PARALLEL_ANALYSIS=True)
    before = children_cpu()
    assert two.rebuild(docs) == len(docs)
    assert children_cpu() > before  # the analysis process did work, and has ended

    for table in ("docs", "facets", "suggest"):
        assert table_rows(two, table) == table_rows(single, table), table
    assert vocabulary(two, "fts", "instance") == vocabulary(single, "fts", "instance")
    assert vocabulary(two, "chars", "col") == vocabulary(single, "chars", "col")
    for text in ["党费收缴", "换届选举 通知", "党组发〔2010〕", "dfsj", "第1617号"]:
        query = parse(text)
        found = [hit.key for hit in two.search(query).hits]
        assert found == [hit.key for hit in single.search(query).hits], text
    assert two.search(parse("党费收缴")).total > embedded.BATCH


def file_pages(backend) -> tuple[int, int]:
    """(pages in the index file, of which free)."""
    c = backend.conn
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return (
        c.execute("PRAGMA page_count").fetchone()[0],
        c.execute("PRAGMA freelist_count").fetchone()[0],
    )


def test_a_rebuild_over_a_live_index_leaves_a_compact_file(tmp_path):
    """The old generation's pages are not left free in the file (they were half of
    it at 100,000 documents, and the rebuilt file was read more slowly); a reader
    that was open through the rebuild goes on finding the same documents."""
    docs = documents(embedded.BATCH * 6)
    fresh = make(tmp_path, "fresh.sqlite3", PARALLEL_ANALYSIS=False)
    fresh.rebuild(docs)
    fresh_pages, _ = file_pages(fresh)

    live = make(tmp_path, "live.sqlite3", PARALLEL_ANALYSIS=False)
    live.rebuild(docs)
    reader = make(tmp_path, "live.sqlite3")  # a web process's connection
    query = parse("换届选举 通知")
    found = [hit.key for hit in reader.search(query).hits]
    assert found

    live.rebuild(docs)
    pages, free = file_pages(live)
    assert free < pages * 0.05, (pages, free)
    assert pages < fresh_pages * 1.1, (pages, fresh_pages)
    page_size = live.conn.execute("PRAGMA page_size").fetchone()[0]
    assert (tmp_path / "live.sqlite3").stat().st_size == pages * page_size
    assert [hit.key for hit in reader.search(query).hits] == found
    assert live.count() == len(docs)


def test_a_rebuild_into_a_new_file_does_not_rewrite_it(tmp_path):
    """Compaction is for the old generation's pages: an import into a new file has
    next to none free (the empty first generation), so it is not copied again."""
    backend = make(tmp_path, "new.sqlite3", PARALLEL_ANALYSIS=False)
    backend.rebuild(documents(embedded.BATCH * 2))
    assert backend._free_share() < embedded.COMPACT_FREE_SHARE
    assert backend._compact() is False


def test_dropping_a_generation_does_not_rewrite_it(tmp_path):
    """Debian builds SQLite with secure_delete on, which zero-fills every freed page
    through the WAL: the switch's transaction, which drops the old generation, wrote
    all of it again (5.9 GB at 100,000 documents, and 4.1 GB of RSS)."""
    backend = make(tmp_path, "i.sqlite3", PARALLEL_ANALYSIS=False)
    backend.rebuild(documents(embedded.BATCH * 6))
    pages, _ = file_pages(backend)  # the WAL checkpointed and truncated
    with embedded._write_lock, backend._transaction():
        backend._drop_generation(backend._generation())  # as the switch drops it
    frames = backend.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    assert frames < pages / 10, (frames, pages)
