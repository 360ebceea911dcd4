"""Factories for the policy library: categories and documents.

top = PolicyCategoryFactory(name="党的建设")
sub = PolicyCategoryFactory(name="组织建设", parent=top)
doc = PolicyDocumentPageFactory(parent=library, doc_number="国发〔2016〕31号")

The 文件库 page itself is one per site (max_count 1): take it from the library_page
fixture or library.services.ensure_library_page / install_library_section.
"""

import factory

from library.models import PolicyCategory, PolicyDocumentPage
from tests.home.factories import SitePageFactory


class PolicyCategoryFactory(factory.django.DjangoModelFactory):
    """A top-level 主题分类; pass parent= for a sub-topic."""

    class Meta:
        model = PolicyCategory
        django_get_or_create = ("name", "parent")

    name = factory.Sequence(lambda n: f"主题{n}")
    parent = None


class PolicyDocumentPageFactory(SitePageFactory):
    """A live policy document; give parent= (a PolicyLibraryPage)."""

    class Meta:
        model = PolicyDocumentPage

    title = factory.Sequence(lambda n: f"测试文件{n}")
    slug = factory.Sequence(lambda n: f"policy-{n}")
