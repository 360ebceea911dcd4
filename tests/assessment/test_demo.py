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


@pytest.mark.slow
@pytest.mark.usefixtures("demo_clips_made_once")
def test_demo_closed_plan_rates_members_from_last_quarters_records(home_page):
    """Last quarter's plan is closed on records dated in its period by the school and
    exams demos (courses finished, a 知识竞赛, 每日答题): most members 合格, some 先进,
    one or two 不合格 whose 学习 part says why; loading everything again adds nothing.
    (The school demo makes its clips with ffmpeg, or copies an earlier test's, hence
    slow.)"""
    from exams import demo as exams_demo
    from exams.models import Attempt, DailySet
    from school import demo as school_demo
    from school.models import CourseCompletion

    def load_all():
        for module in (members_demo, news_demo, school_demo, exams_demo, demo):
            module.load()

    load_all()
    previous = AssessmentPlan.objects.order_by("period_start").first()
    start, end = demo.previous_quarter()
    assert (previous.period_start, previous.period_end) == (start, end)
    assert previous.status == "closed"
    rows = list(previous.member_results.all())
    bands = [row.band for row in rows]
    assert len(rows) == 12
    assert bands.count("excellent") >= 1
    assert bands.count("qualified") > len(rows) / 2
    assert 1 <= bands.count("unqualified") <= 2
    # Each part has real records behind it, all inside the period.
    assert sum(row.hours for row in rows) > 0
    assert sum(row.exams_taken for row in rows) > 0
    assert sum(row.daily_days for row in rows) > 0
    assert all(row.study is not None and row.exam is not None for row in rows)
    assert all(row.daily is not None for row in rows)
    for row in rows:
        if row.band == "unqualified":
            assert row.study == 0 and row.hours == 0
        else:
            assert row.study > 0
    assert all(row.percent > 0 for row in rows)
    in_period = {"completed_at__date__gte": start, "completed_at__date__lte": end}
    assert CourseCompletion.objects.filter(**in_period).exists()
    assert DailySet.objects.filter(day__gte=start, day__lte=end).exists()
    assert Attempt.objects.filter(
        exam__kind="contest", submitted_at__date__gte=start, submitted_at__date__lte=end
    ).exists()
    # 孙明 (dangyuan) keeps only recent records (his 0.5 学时 this year).
    assert not CourseCompletion.objects.filter(
        member__user__username="dangyuan", **in_period
    ).exists()

    counts = (
        CourseCompletion.objects.count(),
        DailySet.objects.count(),
        Attempt.objects.count(),
    )
    load_all()
    assert counts == (
        CourseCompletion.objects.count(),
        DailySet.objects.count(),
        Attempt.objects.count(),
    )
