"""Factories for 党务公示: notices, published under the notice index.

notice = NoticePageFactory(parent=index, organization=branch)   # began yesterday, 5 days
ended = NoticePageFactory(parent=index, organization=branch, starts=-20)
soon = NoticePageFactory(parent=index, organization=branch, starts=3, days=7)

The index comes from notices.services.install_notice_section (the index fixture).
"""

import datetime

import factory
from django.utils import timezone

from notices.models import NoticePage
from tests.home.factories import SitePageFactory
from tests.members.factories import OrganizationFactory


class NoticePageFactory(SitePageFactory):
    """A 发展党员 notice, published with a revision, as an editor publishes it.

    starts: first day relative to today (-1: yesterday); days: how long it runs.
    """

    class Meta:
        model = NoticePage
        skip_postgeneration_save = True

    class Params:
        starts = -1
        days = 5

    title = factory.Sequence(lambda n: f"拟发展党员公示{n}")
    slug = factory.Sequence(lambda n: f"notice-{n}")
    notice_type = "development"
    organization = factory.SubFactory(OrganizationFactory)
    period_start = factory.LazyAttribute(
        lambda o: timezone.localdate() + datetime.timedelta(days=o.starts)
    )
    period_end = factory.LazyAttribute(
        lambda o: o.period_start + datetime.timedelta(days=o.days - 1)
    )
    body = "<p>拟接收张三同志为预备党员。</p>"

    @factory.post_generation
    def publish(obj, create, extracted, **kwargs):
        """Publish a revision unless publish=False."""
        if create and extracted is not False:
            obj.save_revision().publish()
