"""The base for every page factory: wagtail-factories' PageFactory placed on the site.

page = SomePageFactory()                   # a child of the site's HomePage
page = SomePageFactory(parent=index)       # a child of index
"""

import factory
import wagtail_factories

from home.models import HomePage


class SitePageFactory(wagtail_factories.PageFactory):
    """A live page under the HomePage unless parent= places it elsewhere.

    Chinese titles slugify to nothing, so slugs come from a sequence.
    """

    class Meta:
        abstract = True

    parent = factory.LazyFunction(HomePage.objects.get)
    slug = factory.Sequence(lambda n: f"page-{n}")
