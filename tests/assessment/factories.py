"""Factories for 网上考核: plans and their task items.

plan = AssessmentPlanFactory(organization=general, targets=[a, b])   # this quarter
TaskItemFactory(plan=plan, title="三会一课", points=50)
"""

import datetime

import factory

from assessment.models import AssessmentPlan, TaskItem
from tests.members.factories import OrganizationFactory, UserFactory


def quarter_start(today: datetime.date | None = None) -> datetime.date:
    today = today or datetime.date.today()
    return datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


class AssessmentPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan for this quarter; targets= takes the assessed organisations."""

    class Meta:
        model = AssessmentPlan
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"第{n}期党建工作考核")
    organization = factory.SubFactory(OrganizationFactory)
    period_kind = "quarter"
    period_start = factory.LazyFunction(quarter_start)
    period_end = factory.LazyAttribute(
        lambda p: p.period_start + datetime.timedelta(days=89)
    )
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def targets(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.targets.set(extracted)


class TaskItemFactory(factory.django.DjangoModelFactory):
    """A manually scored item worth 10 points, due in ten days."""

    class Meta:
        model = TaskItem

    plan = factory.SubFactory(AssessmentPlanFactory)
    sort_order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"考核任务{n}")
    due_date = factory.LazyFunction(
        lambda: datetime.date.today() + datetime.timedelta(days=10)
    )
