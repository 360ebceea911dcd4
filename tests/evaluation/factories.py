"""Factories for 民主评议党员: rounds, ratings and outcomes.

rnd = RoundFactory(organization=branch)        # a 2026 round, rating window open now
RatingFactory(round=rnd, rater=wang, ratee=zhao, grade="excellent")
OutcomeFactory(round=rnd, member=wang, grade="qualified")

A round with its register comes from evaluation.services.open_round(round, by=...).
"""

import datetime

import factory
from django.utils import timezone

from evaluation.models import Outcome, Rating, Round
from tests.members.factories import MemberFactory, OrganizationFactory


class RoundFactory(factory.django.DjangoModelFactory):
    """A round in preparation whose window opened an hour ago and ends in 3 days."""

    class Meta:
        model = Round

    title = factory.Sequence(lambda n: f"2026年度民主评议党员（{n}）")
    organization = factory.SubFactory(OrganizationFactory)
    year = 2026
    opens_at = factory.LazyFunction(
        lambda: timezone.now() - datetime.timedelta(hours=1)
    )
    closes_at = factory.LazyFunction(
        lambda: timezone.now() + datetime.timedelta(days=3)
    )


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    round = factory.SubFactory(RoundFactory)
    rater = factory.SubFactory(MemberFactory)
    ratee = factory.SubFactory(MemberFactory)
    grade = "qualified"


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    round = factory.SubFactory(RoundFactory)
    member = factory.SubFactory(MemberFactory)
    grade = "qualified"
    decided_at = factory.LazyFunction(timezone.now)
