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
