"""网上考核's 党员评定 (issue 16): members of the assessed branches scored from their
own 学时, exams, 每日答题 and 民主评议 rows, ranked and banded by the plan's weights
and thresholds; kept at the close, in the 公示 and the audit trail; shown to the
issuer's staff and each branch's staff within their scope, 403 to everyone else."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import member_ranking, services
from assessment.models import MemberBand, MemberResult
from members.models import ScopedModelLogEntry
from tests.evaluation.factories import OutcomeFactory, RoundFactory
from tests.members.factories import MemberFactory
from tests.school.factories import CoursePageFactory, SchoolIndexPageFactory

from .conftest import TODAY, make_plan, report_of

pytestmark = pytest.mark.django_db

YEAR = TODAY.year
AT = timezone.make_aware(datetime.datetime(YEAR, 1, 2, 10, 0))


@pytest.fixture
def school_targets():
    from school.models import SchoolSettings

    SchoolSettings.objects.create(member_yearly_target=40, secretary_yearly_target=50)


@pytest.fixture
def year_plan(tree, staff, school_targets):
    return make_plan(
        tree,
        staff,
        title="年度党建工作考核",
        period_kind="year",
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
    )


@pytest.fixture
def people(tree, staff):
    """甲党支部: 张先锋 (all done), 李合格, 王落后 (评议不合格), and the fixture's
    甲支部党员 (nothing); 乙党支部: 赵书记 (secretary, half the study)."""
    return {
        "top": MemberFactory(organization=tree["a"], real_name="张先锋"),
        "mid": MemberFactory(organization=tree["a"], real_name="李合格"),
        "low": MemberFactory(organization=tree["a"], real_name="王落后"),
        "idle": staff["member"].member,
        "sec": MemberFactory(
            organization=tree["b"], real_name="赵书记", party_post="支部书记"
        ),
    }


def complete(member, course, hours, at=AT):
    from school.models import CourseCompletion

    CourseCompletion.objects.create(
        member=member, course=course, credit_hours=hours, completed_at=at, year=at.year
    )


def contest(tree, title):
    from exams.models import Exam

    return Exam.objects.create(
        title=title,
        kind=Exam.Kind.CONTEST,
        organization=tree["general"],
        starts_at=AT - datetime.timedelta(days=1),
        ends_at=AT + datetime.timedelta(days=1),
    )


def attempt(exam, member, score, number=1, at=AT):
    from exams.models import Attempt

    return Attempt.objects.create(
        exam=exam,
        member=member,
        number=number,
        started_at=at,
        deadline=at + datetime.timedelta(minutes=20),
        submitted_at=at + datetime.timedelta(minutes=5),
        score=score,
        passed=score >= 60,
    )


def daily_sets(member, days):
    from exams.models import DailySet, Exam

    exam, _ = Exam.objects.get_or_create(kind=Exam.Kind.DAILY, title="每日答题")
    for offset in range(days):
        day = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=offset)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        a = attempt(exam, member, 100, number=offset + 1, at=at)
        DailySet.objects.create(member=member, day=day, attempt=a)


def outcomes(tree, grades, status="closed"):
    rnd = RoundFactory(
        title="民主评议",
        organization=tree["a"],
        year=YEAR,
        opens_at=AT,
        closes_at=AT + datetime.timedelta(days=3),
        status=status,
    )
    for member, grade in grades.items():
        OutcomeFactory(round=rnd, member=member, grade=grade, decided_at=AT)


@pytest.fixture
def records(tree, people, home_page):
    """The rows the arithmetic below is worked out from."""
    p = people
    index = SchoolIndexPageFactory(parent=home_page)
    c1, c2 = CoursePageFactory.create_batch(2, parent=index, credit_hours=2)
    complete(p["top"], c1, Decimal("30"))
    complete(p["top"], c2, Decimal("20"))  # 50 of 40: capped at 100 %
    complete(p["mid"], c1, Decimal("20"))  # 50 %
    complete(p["sec"], c1, Decimal("25"))  # 25 of the secretary's 50
    complete(p["low"], c1, Decimal("4"), at=AT.replace(year=YEAR - 1))  # last year
    first, second = contest(tree, "党章知识竞赛"), contest(tree, "党史知识竞赛")
    attempt(first, p["top"], 60)
    attempt(first, p["top"], 100, number=2)  # best of the two: 100
    attempt(second, p["top"], 80)  # (100 + 80) / 2 = 90
    attempt(first, p["mid"], 70)
    daily_sets(p["top"], 3)
    outcomes(
        tree,
        {p["top"]: "excellent", p["mid"]: "qualified", p["low"]: "unqualified"},
    )
    return p


def by_name(rows):
    return {row.member_name: row for row in rows}


def test_parts_weights_and_bands_from_real_rows(year_plan, staff, records):
    services.issue_plan(year_plan, by=staff["superior"])
    rows = by_name(member_ranking.compute(year_plan))
    elapsed = (min(TODAY, datetime.date(YEAR, 12, 31)) - datetime.date(YEAR, 1, 1)).days
    daily_top = min(Decimal("100"), Decimal(300) / (elapsed + 1)).quantize(
        Decimal("0.1")
    )

    top = rows["张先锋"]
    assert (top.hours, top.target_hours, top.study) == (
        Decimal("50.00"),
        Decimal("40.00"),
        Decimal("100.0"),
    )
    assert (top.exams_taken, top.exam) == (2, Decimal("90.0"))
    assert (top.daily_days, top.daily) == (3, daily_top)
    assert (top.evaluation_grade, top.evaluation) == ("excellent", Decimal("100"))
    expected = (
        (40 * Decimal(100) + 20 * Decimal(90) + 10 * daily_top + 30 * Decimal(100))
        / 100
    ).quantize(Decimal("0.1"))
    assert top.percent == expected and top.band == MemberBand.EXCELLENT
    assert top.rank == 1

    mid = rows["李合格"]  # (40×50 + 20×70 + 10×0 + 30×80) / 100 = 58.0
    assert (mid.study, mid.exam, mid.daily, mid.evaluation) == (
        Decimal("50.0"),
        Decimal("70.0"),
        Decimal("0.0"),
        Decimal("80"),
    )
    assert mid.percent == Decimal("58.0") and mid.band == MemberBand.UNQUALIFIED

    low = rows["王落后"]  # last year's course does not count; 评议不合格
    assert (low.hours, low.study, low.exam) == (
        Decimal("0.00"),
        Decimal("0.0"),
        Decimal("0.0"),
    )
    assert low.band == MemberBand.UNQUALIFIED
    idle = rows["甲支部党员"]  # no outcome in a branch that held 评议: 0
    assert idle.evaluation == Decimal("0.0") and idle.percent == Decimal("0.0")
    assert idle.rank == low.rank  # equal totals share a rank

    # 乙党支部 took no exam, no daily set and held no 评议: only 学习 counts there.
    sec = rows["赵书记"]
    assert (sec.target_hours, sec.study) == (Decimal("50.00"), Decimal("50.0"))
    assert (sec.exam, sec.daily, sec.evaluation) == (None, None, None)
    assert sec.percent == Decimal("50.0") and sec.band == MemberBand.UNQUALIFIED
    assert [r.member_name for r in member_ranking.compute(year_plan)][:2] == [
        "张先锋",
        "李合格",
    ]


def test_the_plan_weights_and_thresholds_decide(year_plan, staff, records):
    year_plan.study_weight, year_plan.exam_weight = 100, 0
    year_plan.daily_weight, year_plan.evaluation_weight = 0, 0
    year_plan.member_excellent_percent, year_plan.member_qualified_percent = 90, 50
    year_plan.save()
    services.issue_plan(year_plan, by=staff["superior"])
    rows = by_name(member_ranking.compute(year_plan))
    assert rows["李合格"].percent == Decimal("50.0")
    assert rows["李合格"].band == MemberBand.QUALIFIED
    assert rows["赵书记"].band == MemberBand.QUALIFIED
    assert rows["张先锋"].band == MemberBand.EXCELLENT
    # 评议不合格 stays 不合格 whatever the weights.
    assert rows["王落后"].band == MemberBand.UNQUALIFIED


def test_a_quarter_prorates_the_yearly_target(tree, staff, people, school_targets):
    plan = make_plan(
        tree,
        staff,
        period_kind="quarter",
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 3, 31),
    )
    services.issue_plan(plan, by=staff["superior"])
    rows = by_name(member_ranking.compute(plan))
    days = (datetime.date(YEAR, 3, 31) - datetime.date(YEAR, 1, 1)).days + 1
    year_days = (datetime.date(YEAR, 12, 31) - datetime.date(YEAR, 1, 1)).days + 1
    assert rows["李合格"].target_hours == (Decimal(40 * days) / year_days).quantize(
        Decimal("0.01")
    )


def test_open_evaluation_rounds_do_not_count(year_plan, tree, staff, people):
    outcomes(tree, {people["top"]: "excellent"}, status="open")
    services.issue_plan(year_plan, by=staff["superior"])
    assert by_name(member_ranking.compute(year_plan))["张先锋"].evaluation is None


def test_close_keeps_the_ranking_audits_it_and_publishes_the_excellent(
    year_plan, tree, staff, records
):
    services.issue_plan(year_plan, by=staff["superior"])
    services.close_plan(year_plan, by=staff["superior"])
    kept = MemberResult.objects.filter(plan=year_plan)
    assert kept.count() == 5
    assert kept.get(member=records["top"]).band == MemberBand.EXCELLENT
    # Later study changes nothing of the closed period.
    from school.models import CourseCompletion

    CourseCompletion.objects.filter(member=records["mid"]).update(
        credit_hours=Decimal("40")
    )
    rows = by_name(member_ranking.for_plan(year_plan, list(year_plan.reports.all())))
    assert rows["李合格"].study == Decimal("50.0")

    report_a = report_of(year_plan, tree["a"])
    entry = ScopedModelLogEntry.objects.for_instance(report_a).get(
        action="assessment.rank_members"
    )
    assert entry.data["members"][0][1] == "张先锋"
    close = ScopedModelLogEntry.objects.for_instance(year_plan).get(
        action="assessment.close"
    )
    assert close.data["members"] == {"excellent": 1, "qualified": 0, "unqualified": 4}

    notice = services.publish_notice(year_plan, by=staff["superior"])
    body = str(notice.body)
    assert "先进党员 1 名" in body and "不合格党员 4 名" in body
    assert "甲党支部 张先锋" in body
    assert "王落后" not in body  # 不合格 names stay inside the branch


# Views, per role ----------------------------------------------------------------------


def members_url(plan, **params):
    url = reverse("assessment_members", args=[plan.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def test_issuer_staff_see_every_target_and_filter(
    client, year_plan, tree, staff, records
):
    services.issue_plan(year_plan, by=staff["superior"])
    client.force_login(staff["superior"])
    html = client.get(members_url(year_plan)).content.decode()
    assert "张先锋" in html and "赵书记" in html and "先进党员" in html
    html = client.get(members_url(year_plan, org=tree["b"].pk)).content.decode()
    assert "赵书记" in html and "张先锋" not in html
    html = client.get(members_url(year_plan, band="excellent")).content.decode()
    assert "张先锋" in html and "李合格" not in html
    plan_page = client.get(reverse("assessment_plan", args=[year_plan.pk]))
    assert (
        reverse("assessment_members", args=[year_plan.pk]) in plan_page.content.decode()
    )


def test_branch_staff_see_only_their_members(client, year_plan, tree, staff, records):
    services.issue_plan(year_plan, by=staff["superior"])
    client.force_login(staff["b"])
    response = client.get(members_url(year_plan))
    html = response.content.decode()
    assert response.status_code == 200
    assert "赵书记" in html and "张先锋" not in html
    assert client.get(members_url(year_plan, org=tree["a"].pk)).status_code == 403
    client.force_login(staff["a"])
    html = client.get(members_url(year_plan)).content.decode()
    assert "张先锋" in html and "赵书记" not in html


@pytest.mark.parametrize("who", ["c", "other", "leader"])
def test_everyone_else_gets_403(client, year_plan, staff, records, who):
    services.issue_plan(year_plan, by=staff["superior"])
    client.force_login(staff[who])
    response = client.get(members_url(year_plan))
    assert response.status_code == 403
    assert "张先锋" not in response.content.decode()


def test_a_member_has_no_admin_access(client, year_plan, staff, records):
    services.issue_plan(year_plan, by=staff["superior"])
    client.force_login(staff["member"])
    response = client.get(members_url(year_plan))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_anonymous_is_sent_to_log_in(client, year_plan, staff):
    services.issue_plan(year_plan, by=staff["superior"])
    response = client.get(members_url(year_plan))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    "query", ["band=gold", "org=abc", "org=99999999999999999999", "band=%00"]
)
def test_hostile_filters_are_4xx(client, year_plan, staff, query):
    services.issue_plan(year_plan, by=staff["superior"])
    client.force_login(staff["superior"])
    response = client.get(members_url(year_plan) + "?" + query)
    assert 400 <= response.status_code < 500


def test_a_draft_plan_ranks_nobody(client, year_plan, staff, records):
    client.force_login(staff["superior"])
    html = client.get(members_url(year_plan)).content.decode()
    assert "考核方案下发后才能评定党员" in html and "张先锋" not in html


def test_the_form_checks_weights_and_thresholds(year_plan):
    from django.core.exceptions import ValidationError

    year_plan.study_weight = year_plan.exam_weight = 0
    year_plan.daily_weight = year_plan.evaluation_weight = 0
    with pytest.raises(ValidationError) as failed:
        year_plan.clean()
    assert "党员评定的权重不能全为 0。" in str(failed.value)
    year_plan.study_weight = 40
    year_plan.member_excellent_percent, year_plan.member_qualified_percent = 50, 60
    with pytest.raises(ValidationError) as failed:
        year_plan.clean()
    assert "先进线不能低于合格线。" in str(failed.value)


def test_the_results_export_has_the_member_sheet(client, year_plan, staff, records):
    import io

    from openpyxl import load_workbook

    services.issue_plan(year_plan, by=staff["superior"])
    services.close_plan(year_plan, by=staff["superior"])
    client.force_login(staff["superior"])
    export = client.get(reverse("assessment_export", args=[year_plan.pk]))
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.getvalue()))
    assert book.sheetnames == ["党组织排名", "党员评定"]
    rows = list(book["党员评定"].values)
    assert rows[0] == (
        "名次", "姓名", "所在党组织", "期内学时", "期内学时目标", "学习（%）",
        "考试（%）", "每日答题（%）", "民主评议", "综合得分率（%）", "等次",
    )  # fmt: skip
    by_member = {row[1]: row for row in rows[1:]}
    assert by_member["李合格"] == (
        2, "李合格", "甲党支部", 20.0, 40.0, 50.0, 70.0, 0.0, "合格", 58.0, "不合格党员"
    )  # fmt: skip
    assert by_member["赵书记"][6:9] == ("不计", "不计", "不计")
    client.force_login(staff["a"])  # a target's staff: no export
    assert (
        client.get(reverse("assessment_export", args=[year_plan.pk])).status_code == 403
    )


def test_members_see_their_own_rating_on_me(client, year_plan, staff, records):
    services.issue_plan(year_plan, by=staff["superior"])
    client.force_login(records["top"].user)
    assert "my-member-ratings" not in client.get("/me/").content.decode()
    services.close_plan(year_plan, by=staff["superior"])
    html = client.get("/me/").content.decode()
    assert "年度党建工作考核" in html and "先进党员" in html
    assert "排第 1 名" in html
    client.force_login(records["mid"].user)
    html = client.get("/me/").content.decode()
    assert "不合格党员" in html and "综合得分率 58.0%" in html
    assert "先进党员" not in html


def test_the_ranking_costs_the_same_queries_for_more_members(
    year_plan, tree, staff, records
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.issue_plan(year_plan, by=staff["superior"])
    with CaptureQueriesContext(connection) as few:
        assert len(member_ranking.compute(year_plan)) == 5
    for number in range(12):
        MemberFactory(organization=tree["b"], real_name=f"新党员{number}")
    with CaptureQueriesContext(connection) as many:
        assert len(member_ranking.compute(year_plan)) == 17
    assert len(many) == len(few) <= 8
