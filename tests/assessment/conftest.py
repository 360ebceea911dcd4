"""A 党总支 with three branches (two assessed), staff of each, and a quarterly plan
with a news rule, a study rule and a manually scored item."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from assessment import services
from members.roles import LEADER, MEMBER, PUBLICIST
from tests.assessment.factories import (
    AssessmentPlanFactory,
    TaskItemFactory,
    quarter_start,
)
from tests.members.factories import MemberFactory, OrganizationFactory, make_staff_user

TODAY = datetime.date.today()
QUARTER_START = quarter_start(TODAY)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PORTAL_ASSESSMENT_FILES_ROOT = tmp_path / "assessment-files"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tree(db):
    committee = OrganizationFactory(name="测试党委", code="K")
    general = OrganizationFactory(
        parent=committee, name="制造党总支", code="K-Z", kind="general_branch"
    )
    a = OrganizationFactory(parent=general, name="甲党支部", code="K-Z-A")
    b = OrganizationFactory(parent=general, name="乙党支部", code="K-Z-B")
    c = OrganizationFactory(parent=general, name="丙党支部", code="K-Z-C")
    other = OrganizationFactory(parent=committee, name="机关党支部", code="K-J")
    return {"committee": committee, "general": general, "a": a, "b": b, "c": c,
            "other": other}  # fmt: skip


@pytest.fixture
def staff(tree):
    """Who is who: the 党总支's staff, each branch's, a leader and a member."""
    member = MemberFactory(organization=tree["a"], real_name="甲支部党员")
    member.user.groups.add(Group.objects.get(name=MEMBER))
    return {
        "superior": make_staff_user(PUBLICIST, scope=tree["general"], username="zz"),
        "a": make_staff_user(PUBLICIST, scope=tree["a"], username="zz_a"),
        "b": make_staff_user(LEADER, scope=tree["b"], username="zz_b"),
        "c": make_staff_user(PUBLICIST, scope=tree["c"], username="zz_c"),
        "other": make_staff_user(PUBLICIST, scope=tree["other"], username="zz_j"),
        "leader": make_staff_user(LEADER, username="ld"),
        "member": member.user,
    }


def make_plan(tree, staff, **fields):
    """The 党总支's plan for its branches 甲 and 乙: a news rule, a study rule and a
    manually scored item."""
    fields = {
        "title": "第一季度党建工作考核",
        "organization": tree["general"],
        "created_by": staff["superior"],
        "targets": [tree["a"], tree["b"]],
        **fields,
    }
    plan = AssessmentPlanFactory(**fields)
    TaskItemFactory(
        plan=plan, sort_order=0, title="基层动态宣传", points=Decimal("20"),
        rule="news", rule_target=2, evidence_required="本支部发布的新闻",
    )  # fmt: skip
    TaskItemFactory(
        plan=plan, sort_order=1, title="党员网上学习", points=Decimal("30"),
        rule="study", rule_target=50,
    )  # fmt: skip
    TaskItemFactory(
        plan=plan, sort_order=2, title="三会一课", points=Decimal("50"),
        evidence_required="会议记录照片",
    )  # fmt: skip
    return plan


@pytest.fixture
def plan(tree, staff):
    return make_plan(tree, staff)


@pytest.fixture
def issued(plan, staff):
    return services.issue_plan(plan, by=staff["superior"])


def report_of(plan, org):
    return plan.reports.get(organization=org)


def item_of(plan, org, index):
    return report_of(plan, org).items.select_related("item")[index]
