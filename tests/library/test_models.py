import datetime

import pytest
from django.core.exceptions import ValidationError

from library.models import PolicyCategory, PolicyDocumentPage
from tests.library.factories import PolicyCategoryFactory, PolicyDocumentPageFactory


@pytest.mark.django_db
def test_saving_a_document_splits_its_doc_number(library_page):
    page = PolicyDocumentPageFactory(parent=library_page, doc_number="国发[2016]31号")
    page.refresh_from_db()
    assert page.doc_number == "国发〔2016〕31号"
    assert (page.doc_number_prefix, page.doc_number_year, page.doc_number_serial) == (
        "国发",
        2016,
        31,
    )


@pytest.mark.django_db
def test_unreadable_doc_number_is_refused_in_chinese(library_page):
    page = PolicyDocumentPage(title="测试", slug="t", doc_number="随便写的")
    with pytest.raises(ValidationError) as info:
        page.clean()
    assert "无法识别的发文字号" in str(info.value)


@pytest.mark.django_db
def test_written_date_after_publish_date_is_refused(library_page):
    page = PolicyDocumentPage(
        title="测试",
        slug="t",
        written_date=datetime.date(2024, 5, 2),
        publish_date=datetime.date(2024, 5, 1),
    )
    with pytest.raises(ValidationError) as info:
        page.clean()
    assert "成文日期不能晚于发布日期" in str(info.value)


@pytest.mark.django_db
def test_taxonomy_has_at_most_two_levels():
    top = PolicyCategoryFactory(name="党的建设")
    sub = PolicyCategoryFactory(name="组织建设", parent=top)
    third = PolicyCategory(name="发展党员", parent=sub)
    with pytest.raises(ValidationError) as info:
        third.clean()
    assert "最多两级" in str(info.value)
    assert sub.path_label == "党的建设/组织建设"
    assert sub.facet_values() == ["党的建设", "党的建设/组织建设"]


@pytest.mark.django_db
def test_body_text_keeps_paragraphs_and_unescapes(library_page):
    page = PolicyDocumentPage(body="<h3>第一章 总则</h3><p>甲&amp;乙</p><p>丙</p>")
    assert page.body_text() == "第一章 总则\n甲&乙\n丙"
