"""The demo plans: last quarter closed and ranked, this quarter under way with two
branches reported and the 基层动态 item scored from their demo news; loading twice
adds nothing."""

import pytest

from assessment import demo
from assessment.models import AssessmentPlan, Evidence, ItemStatus
from members import demo as members_demo
from news import demo as news_demo

pytestmark = pytest.mark.django_db


def test_demo_plans(home_page):
    members_demo.load()
    news_demo.load()
    demo.load()
    assert "已存在" in demo.load()
    previous, current = AssessmentPlan.objects.order_by("period_start")
    assert previous.status == "closed" and current.status == "issued"
    bands = {
        r.organization.code: (r.rank, r.band)
        for r in previous.reports.select_related("organization")
    }
    assert bands == {
        "HX-ZZ-01": (1, "excellent"),
        "HX-ZZ-02": (2, "qualified"),
        "HX-ZZ-03": (3, "unqualified"),
    }
    news = current.reports.get(organization__code="HX-ZZ-01").items.first()
    assert news.status == ItemStatus.SCORED
    assert news.score == news.suggested_score
    assert news.facts["value"] == len(news.facts["lines"])
    untouched = current.reports.get(organization__code="HX-ZZ-03")
    assert set(untouched.items.values_list("status", flat=True)) == {"pending"}
    assert Evidence.objects.filter(item_report__report__plan=current).count() == 3
    # 党员评定: every member of the three branches (and their 党小组) was rated at the
    # close of last quarter; this quarter's plan sets its own 先进党员线.
    from members.models import Member

    members = Member.objects.filter(organization__code__startswith="HX-ZZ-0")
    assert previous.member_results.count() == members.count() > 0
    assert current.member_excellent_percent == 80
