"""The Elasticsearch request bodies, checked without a server (the contract suite runs
against a real server when ELASTICSEARCH_URL is set)."""

from elasticsearch.dsl import Index

from search.backends.elasticsearch import (
    IndexedDocument,
    facet_filters,
    main_query,
    to_source,
)
from search.query import parse

from .conftest import doc


def test_mapping_uses_whitespace_analysed_term_fields_and_keeps_raw_text():
    index = Index("portal-x")
    index.document(IndexedDocument)
    mapping = index.to_dict()["mappings"]
    props = mapping["properties"]
    for name in ("title_terms", "body_terms", "title_grams", "body_grams"):
        assert props[name] == {"type": "text", "analyzer": "whitespace"}
        assert name in mapping["_source"]["excludes"]
    assert props["body"]["index"] is False
    assert props["facet_pairs"]["type"] == "keyword"


def test_source_carries_the_shared_analysis():
    source = to_source(
        doc("policy:1", "按时交纳黨費", "依照国发〔2016〕31号", facets={"year": "2016"})
    )
    assert "党费" in source["title_terms"].split()
    assert "国发_2016_31" in source["body_terms"].split()
    assert source["title_grams"].split()[:2] == ["按时", "时交"]
    assert source["facet_pairs"] == ["year:2016"]
    assert source["initials"] == "asjndf"


def test_doc_number_query_matches_the_combined_term_or_the_bigram_phrase():
    body = main_query(parse("国发[2016]31号")).to_dict()
    text = str(body)
    assert (
        "'combined_fields': {'fields': ['title_terms^8', 'body_terms^1'],"
        " 'query': '国发_2016_31'}" in text
    )
    assert "match_phrase" in text and "国发 发 2016 31" in text


def test_excluded_words_and_named_phrase_features():
    body = main_query(parse("党费 交纳 -通知")).to_dict()["bool"]
    assert "通知" in str(body["must_not"])
    names = {clause["bool"].get("_name") for clause in body["should"]}
    assert "near" in names


def test_facet_filters_skip_the_facet_being_counted():
    query = parse("党费", filters={"issuer": ["国务院"], "type": ["policy"]})
    assert len(facet_filters(query)) == 2
    assert [c.to_dict() for c in facet_filters(query, skip_facet="issuer")] == [
        {"terms": {"type": ["policy"]}}
    ]
