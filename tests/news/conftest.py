import pytest
from django.core.cache import cache

from news.models import NewsColumn
from news.services import install_news_section


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def news_index(home_page):
    return install_news_section(home_page)


@pytest.fixture
def columns(db):
    return {c.slug: c for c in NewsColumn.objects.all()}


@pytest.fixture
def branch(db):
    from tests.members.factories import OrganizationFactory

    committee = OrganizationFactory(name="测试党委")
    return OrganizationFactory(parent=committee, name="第一党支部", kind="branch")
