"""Factories for 党内选举: votes and their candidates.

election = ElectionFactory(organization=branch)          # 2 seats; 王磊, 赵雪, 李强
election = ElectionFactory(candidates=("孙明", "钱进"), mode="in_person")
election = ElectionFactory(candidates=[("王磊", "装配工艺员"), ("赵雪", "质量检验员")])

The voting window opened an hour ago and closes in three hours; an open vote with
its electors comes from elections.services.open_election(election, by=...).
"""

import datetime

import factory
from django.utils import timezone

from elections.models import Candidate, Election
from tests.members.factories import OrganizationFactory


class ElectionFactory(factory.django.DjangoModelFactory):
    """A vote in preparation; candidates= names its candidates in order, each a name
    or a (name, note) pair."""

    class Meta:
        model = Election
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"第{n}次支部委员会换届选举")
    organization = factory.SubFactory(OrganizationFactory)
    seats = 2
    opens_at = factory.LazyFunction(
        lambda: timezone.now() - datetime.timedelta(hours=1)
    )
    closes_at = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(hours=3)
    )

    @factory.post_generation
    def candidates(obj, create, extracted, **kwargs):
        if not create:
            return
        names = ("王磊", "赵雪", "李强") if extracted is None else extracted
        for order, candidate in enumerate(names):
            name, note = (candidate, "") if isinstance(candidate, str) else candidate
            Candidate.objects.create(
                election=obj, sort_order=order, name=name, note=note
            )
