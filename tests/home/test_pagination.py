"""One pager for every public list (site/templates/includes/pagination.html)."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def _render(query: str, number: int, **extra) -> str:
    request = RequestFactory().get(f"/list/?{query}")
    page_obj = Paginator(range(100), 5).page(number)
    return render_to_string(
        "includes/pagination.html",
        {"page_obj": page_obj, "unit": "篇", **extra},
        request=request,
    )


def test_filters_stay_chosen_and_pages_are_elided_around_the_current_one():
    html = _render("category=3&q=%E5%85%9A%E8%B4%B9&page=10", 10)
    assert 'href="?category=3&amp;q=%E5%85%9A%E8%B4%B9&amp;page=9" rel="prev"' in html
    assert 'href="?category=3&amp;q=%E5%85%9A%E8%B4%B9&amp;page=11" rel="next"' in html
    assert '<span aria-current="page" class="pagination__current">10</span>' in html
    assert html.count("pagination__gap") == 2  # 1 2 … 7 8 9 10 11 12 13 … 19 20
    assert "page=20" in html and "page=5" not in html
    assert "共 100 篇" in html


def test_cached_lists_link_pages_without_the_visitors_parameters():
    html = _render("utm=%3Cx%3E&page=2", 2, plain_pages=True)
    assert 'href="?page=1" rel="prev"' in html and "utm" not in html


def test_a_single_page_has_no_pager():
    request = RequestFactory().get("/list/")
    html = render_to_string(
        "includes/pagination.html",
        {"page_obj": Paginator(range(3), 5).page(1)},
        request=request,
    )
    assert "pagination" not in html
