"""The Elasticsearch engine against the real server: index life cycle, rebuilds,
retries, what a results page transfers, type-ahead, outages and mapping upgrades.

Collected only when ELASTICSEARCH_URL is set (tests/search/conftest.py).
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.management import call_command
from elasticsearch import Elasticsearch
from wagtail.models import Page

from search.backends import IndexBusy, reset_backends
from search.backends.base import create_backend
from search.backends.elasticsearch import MAPPING_VERSION, index_body
from search.checks import check_search_indices
from search.models import PendingIndexUpdate
from search.query import parse
from search.registry import register, unregister

from .conftest import (
    ES_URL,
    PageSource,
    doc,
    es_params,
    publish_child,
    test_index_prefix,
)
from .esproxy import ElasticsearchProxy


def new_backend(**extra):
    return create_backend("es-test", es_params(**extra))


@pytest.fixture
def es():
    backend = new_backend()
    yield backend
    backend.drop()
    backend.close()


@pytest.fixture
def proxy():
    with ElasticsearchProxy(ES_URL) as running:
        yield running


@pytest.fixture
def es_via_proxy(proxy):
    backend = new_backend(URL=proxy.url, CA_CERTS="")
    yield backend
    backend.drop()
    backend.close()


def raw(backend) -> Elasticsearch:
    """A plain client on the backend's own server, for looking behind the engine."""
    return backend.client


def policy_docs(n: int, *, body: str = "全体党员应当按时交纳党费。") -> list:
    return [
        doc(
            f"policy:{i}",
            f"党费管理规定第{i}号",
            body + "党费" * (i % 7),
            date=datetime.date(2000 + i % 20, 1, 1),
        )
        for i in range(n)
    ]


def keys_of(results) -> list[str]:
    return [hit.key for hit in results.hits]


# -- configuration -------------------------------------------------------------------


def test_a_test_run_writes_only_to_its_own_index_prefix(settings):
    alias = settings.PORTAL_SEARCH_BACKENDS["default"]["INDEX"]
    assert alias.startswith("test-")
    assert alias.startswith(test_index_prefix())
    assert alias != "portal"
    worker = __import__("os").environ.get("PYTEST_XDIST_WORKER")
    if worker:
        assert f"-{worker}-" in alias


def test_several_hosts_and_timeouts_come_from_params(es):
    second = ES_URL.replace("127.0.0.1", "localhost")
    backend = new_backend(URL=f"{ES_URL}, {second}", TIMEOUT=7)
    try:
        assert len(backend.client.transport.node_pool.all()) == 2
        backend.upsert(policy_docs(1))
        assert backend.count() == 1
    finally:
        backend.drop()
        backend.close()


# -- index life cycle ----------------------------------------------------------------


def test_a_search_on_a_missing_index_answers_empty_and_creates_nothing(es):
    results = es.search(parse("党费"))
    assert results.total == 0
    assert results.index_missing is True
    assert es.count() == 0
    assert es.suggest("党费") == []
    assert es.get("policy:1") is None
    assert not raw(es).indices.exists_alias(name=es.index_alias)
    assert list(raw(es).indices.get(index=f"{es.index_alias}*").keys()) == []


def test_concurrent_first_writes_put_one_index_behind_the_alias(es):
    errors = []

    def write(start: int) -> None:
        writer = create_backend("es-writer", es.params)
        try:
            writer.upsert(policy_docs(start + 5)[start:])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            writer.close()

    threads = [threading.Thread(target=write, args=(i * 5,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(raw(es).indices.get_alias(name=es.index_alias)) == 1
    assert es.count() == 30


def test_a_write_after_the_index_vanished_recreates_it_with_the_mapping(es):
    es.upsert(policy_docs(2))
    for name in raw(es).indices.get_alias(name=es.index_alias):
        raw(es).indices.delete(index=name)
    es.upsert(policy_docs(3)[2:])
    indices = raw(es).indices.get(index=f"{es.index_alias}*")
    assert len(indices) == 1
    mappings = next(iter(indices.values()))["mappings"]
    assert mappings["dynamic"] == "false"
    assert mappings["_meta"]["mapping_version"] == MAPPING_VERSION
    assert es.index_alias in next(iter(indices.values()))["aliases"]
    assert keys_of(es.search(parse("党费"))) == ["policy:2"]


def test_a_second_rebuild_is_refused_while_one_runs(es):
    started, release = threading.Event(), threading.Event()
    outcome = {}

    def slow_docs():
        yield from policy_docs(3)
        started.set()
        release.wait(20)
        yield from policy_docs(6)[3:]

    def first_rebuild():
        outcome["written"] = es.rebuild(slow_docs())

    thread = threading.Thread(target=first_rebuild)
    thread.start()
    assert started.wait(20)
    other = create_backend("es-other", es.params)
    try:
        with pytest.raises(IndexBusy):
            other.rebuild(policy_docs(1))
    finally:
        release.set()
        thread.join()
        other.close()
    assert outcome["written"] == 6
    assert es.count() == 6
    assert len(raw(es).indices.get_alias(name=es.index_alias)) == 1
    assert not raw(es).indices.exists(index=es.lock_index)


def test_a_stale_rebuild_lock_is_taken_over(es):
    raw(es).indices.create(
        index=es.lock_index, mappings={"_meta": {"started": time.time() - 10 * 3600}}
    )
    assert es.rebuild(policy_docs(2)) == 2
    assert not raw(es).indices.exists(index=es.lock_index)


def test_deletes_during_a_rebuild_are_not_resurrected(es):
    es.upsert(policy_docs(10))
    worker = create_backend("es-worker", es.params)

    def docs_with_concurrent_changes():
        all_docs = policy_docs(10)
        yield from all_docs[:5]
        # A worker deletes one document already copied and one still to come,
        # and republishes another with a new title, while the rebuild runs.
        worker.delete(["policy:2", "policy:7"])
        worker.upsert([doc("policy:8", "新修订的党费规定", "党费按月交纳。")])
        yield from all_docs[5:]

    try:
        assert es.rebuild(docs_with_concurrent_changes()) == 10
    finally:
        worker.close()
    found = keys_of(es.search(parse("党费", page_size=50)))
    assert "policy:2" not in found and "policy:7" not in found
    assert es.count() == 8
    assert es.get("policy:8").title == "新修订的党费规定"
    tombstones = raw(es).count(
        index=es.index_alias, query={"term": {"tombstone": True}}
    )
    assert tombstones["count"] == 0


# -- bulk writes -----------------------------------------------------------------------


def test_a_rebuild_survives_rejections_with_backoff(es_via_proxy, proxy):
    backend = new_backend(
        URL=proxy.url,
        CA_CERTS="",
        INDEX=es_via_proxy.index_alias,
        BULK_BACKOFF=0.05,
        MAX_RETRIES=0,
    )
    proxy.fail("/_bulk", 2, status=429)
    try:
        assert backend.rebuild(policy_docs(20)) == 20
    finally:
        backend.close()
    assert es_via_proxy.count() == 20
    bulks = proxy.exchanges("/_bulk")
    assert [e.status for e in bulks[:2]] == [429, 429]
    assert bulks[-1].status == 200


def test_bulk_requests_are_chunked_by_bytes(es_via_proxy, proxy):
    backend = new_backend(
        URL=proxy.url, CA_CERTS="", INDEX=es_via_proxy.index_alias, BULK_BYTES=300_000
    )
    big = [
        doc(f"policy:{i}", f"大文件{i}", "党费交纳情况说明。" * 6_000)
        for i in range(12)
    ]
    try:
        assert backend.rebuild(big) == 12
    finally:
        backend.close()
    bulks = [e for e in proxy.exchanges("/_bulk") if e.method in ("POST", "PUT")]
    assert len(bulks) >= 4
    one_doc = max(len(e.body) for e in bulks) / max(1, min(len(e.body) for e in bulks))
    assert all(len(e.body) <= 300_000 + 400_000 for e in bulks), one_doc
    assert es_via_proxy.count() == 12


# -- what a results page reads ------------------------------------------------------------


def test_a_results_page_reads_stored_heads_not_whole_bodies(es_via_proxy, proxy):
    long_tail = "其他条款内容。" * 20_000  # about 140,000 characters after the match
    docs = [
        doc(f"policy:{i}", f"党费规定{i}", "第一条 党员按月交纳党费。" + long_tail)
        for i in range(10)
    ]
    late = doc(
        "policy:late",
        "附则汇编",
        "其他条款内容。" * 2_000 + "最后一条 党费由支部收缴。" + long_tail,
    )
    es_via_proxy.upsert([*docs, late])
    proxy.clear()
    results = es_via_proxy.search(parse("党费", page_size=11))
    assert results.total == 11
    by_key = {hit.key: hit for hit in results.hits}
    assert "<mark>党费</mark>" in by_key["policy:0"].snippet_html
    assert by_key["policy:0"].snippet_html.endswith("…")
    assert "<mark>党费</mark>" in by_key["policy:late"].snippet_html
    received = sum(e.response_bytes for e in proxy.exchanges())
    whole_bodies = sum(len(d.body.encode()) for d in [*docs, late])
    # the heads of eleven documents plus one whole body, not eleven whole bodies
    assert received < len(late.body.encode()) + 11 * 40_000
    assert received < whole_bodies / 5


def test_term_checks_count_and_type_ahead_uses_no_leading_wildcards(
    es_via_proxy, proxy
):
    es_via_proxy.upsert(
        [
            doc("policy:1", "关于加强三会一课制度的意见", "三会一课"),
            doc("policy:2", "党费收缴管理办法", "党费"),
        ]
    )
    proxy.clear()
    assert es_via_proxy.count_matches(parse("三会一课")) == 1
    assert [e.path.split("?")[0].rsplit("/", 1)[-1] for e in proxy.exchanges()] == [
        "_count"
    ]
    assert "关于加强三会一课制度的意见" in es_via_proxy.suggest("一课制度")
    assert "关于加强三会一课制度的意见" in es_via_proxy.suggest("shyk")
    assert "关于加强三会一课制度的意见" in es_via_proxy.suggest("huiyike")
    assert "党费收缴管理办法" in es_via_proxy.suggest("dfsj")
    assert "党费收缴管理办法" in es_via_proxy.suggest("党费")
    bodies = b" ".join(e.body for e in proxy.exchanges("_search"))
    assert b"wildcard" not in bodies


# -- outages -------------------------------------------------------------------------


@pytest.fixture
def default_via_proxy(proxy, settings, restore_sources):
    params = es_params(URL=proxy.url, CA_CERTS="", SEARCH_TIMEOUT=1.5)
    settings.PORTAL_SEARCH_BACKENDS = {"default": params}
    reset_backends()
    register(PageSource)
    backend = create_backend("default", params)
    backend.rebuild([doc("policy:1", "党费收缴管理办法", "党费")])
    yield backend
    unregister("page")
    backend.drop()
    backend.close()
    reset_backends()


@pytest.mark.django_db
def test_an_unreachable_cluster_answers_503_quickly_and_the_site_stays_up(
    client, settings
):
    settings.PORTAL_SEARCH_BACKENDS = {
        "default": es_params(URL="http://127.0.0.1:9", CA_CERTS="")
    }
    reset_backends()
    try:
        for url in ("/search/?q=党费", "/api/search?q=党费", "/search/suggest?q=党费"):
            started = time.monotonic()
            response = client.get(url)
            assert response.status_code == 503, url
            assert time.monotonic() - started < 2
            assert "搜索服务暂时不可用" in response.content.decode()
        assert client.get("/").status_code == 200
    finally:
        reset_backends()


@pytest.mark.django_db
def test_a_hung_cluster_answers_503_within_two_seconds(
    client, default_via_proxy, proxy
):
    assert client.get("/api/search", {"q": "党费"}).json()["total"] == 1
    proxy.fail("/_search", 5, hang=5)
    started = time.monotonic()
    response = client.get("/search/", {"q": "党费"})
    assert response.status_code == 503
    assert time.monotonic() - started < 2
    assert "搜索服务暂时不可用" in response.content.decode()


@pytest.mark.django_db
def test_publishing_while_the_cluster_fails_is_deferred_then_repaired(
    home_page, default_via_proxy, proxy, django_capture_on_commit_callbacks, client
):
    proxy.fail("/_bulk", 50, status=503)
    with django_capture_on_commit_callbacks(execute=True):
        page = publish_child(home_page, "三会一课制度", "三会一课")
    assert Page.objects.get(pk=page.pk).live
    pending = PendingIndexUpdate.objects.get()
    assert pending.key == f"page:{page.pk}"
    proxy.state.faults.clear()
    call_command("repair_search_index", "--no-rebuild")
    assert not PendingIndexUpdate.objects.exists()
    assert client.get("/api/search", {"q": "三会一课"}).json()["total"] == 1


# -- mapping versions --------------------------------------------------------------------


@pytest.mark.django_db
def test_an_old_mapping_is_reported_and_upgraded_without_downtime(es, settings):
    body = index_body(shards=1, replicas=0, refresh_interval="1s")
    body["mappings"]["_meta"]["mapping_version"] = MAPPING_VERSION - 1
    old_name = f"{es.index_alias}-old"
    raw(es).indices.create(index=old_name, aliases={es.index_alias: {}}, **body)
    docs = policy_docs(40)
    es.upsert(docs)
    settings.PORTAL_SEARCH_BACKENDS = {"default": es.params}
    messages = check_search_indices()
    assert [m.id for m in messages] == ["search.W001"]
    assert old_name in messages[0].msg and "rebuild_search_index" in messages[0].msg

    totals, stop = [], threading.Event()

    def keep_searching():
        reader = create_backend("es-reader", es.params)
        try:
            while not stop.is_set():
                totals.append(reader.search(parse("党费")).total)
        finally:
            reader.close()

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        es.rebuild(iter(docs))
    finally:
        stop.set()
        thread.join()
    assert totals and set(totals) == {40}
    assert check_search_indices() == []
    assert not raw(es).indices.exists(index=old_name)
