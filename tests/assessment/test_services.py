"""网上考核 use cases against the real database: issue, rules, report with evidence,
score, return, close and rank, publish, reminders; every change audited."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.models import ModelLogEntry

from assessment import services
from assessment.models import Evidence, ItemStatus, PlanStatus, Report
from notifications.models import Notification
from tests.news.factories import make_article

from .conftest import QUARTER_START, TODAY, item_of, make_plan, report_of


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def actions(obj):
    from django.contrib.contenttypes.models import ContentType

    return list(
        ModelLogEntry.objects.filter(
            object_id=str(obj.pk), content_type=ContentType.objects.get_for_model(obj)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_issue_creates_a_report_per_target_and_notifies_their_staff(
    issued, tree, staff
):
    assert issued.status == PlanStatus.ISSUED
    assert sorted(r.organization.name for r in issued.reports.all()) == [
        "乙党支部",
        "甲党支部",
    ]
    assert report_of(issued, tree["a"]).items.count() == 3
    notified = set(
        Notification.objects.filter(kind="assessment_issued").values_list(
            "recipient__username", flat=True
        )
    )
    assert notified == {"zz_a", "zz_b"}
    assert actions(issued) == ["assessment.issue"]


def test_issue_refuses_targets_outside_the_scope_or_not_below(tree, staff):
    plan = make_plan(tree, staff)
    plan.targets.set([tree["a"], tree["other"]])
    with pytest.raises(services.AssessmentError, match="不是制造党总支的下级党组织"):
        services.issue_plan(plan, by=staff["superior"])
    assert not Report.objects.exists()
    plan.targets.set([tree["a"]])
    with pytest.raises(services.AssessmentError, match="不在您的管理范围内"):
        services.issue_plan(plan, by=staff["c"])
    services.issue_plan(plan, by=staff["superior"])
    with pytest.raises(services.AssessmentError, match="只有草稿"):
        services.issue_plan(plan, by=staff["superior"])


def test_news_rule_counts_the_branch_news_of_the_period(issued, tree, staff, home_page):
    from news.services import install_news_section

    index = install_news_section(home_page)
    in_period = (TODAY - QUARTER_START).days
    make_article(index, "甲支部开展主题党日", branch=tree["a"], days_ago=0)
    make_article(index, "乙支部新闻", branch=tree["b"], days_ago=0)
    make_article(index, "甲支部草稿", branch=tree["a"], publish=False)
    make_article(index, "甲支部上季度新闻", branch=tree["a"], days_ago=in_period + 5)
    item = item_of(issued, tree["a"], 0)
    result = services.refresh_facts(item)
    assert result.value == 1
    assert result.suggested == Decimal("10.0")  # 1 of 2 articles: half of 20 points
    assert [line["title"] for line in item.facts["lines"]] == ["甲支部开展主题党日"]
    services.submit_item(item, services.ItemData("done"), by=staff["a"])
    make_article(index, "甲支部党课", branch=tree["a"], days_ago=0)
    # Scoring recounts: the article published after the report counts.
    services.score_item(item, score="20", by=staff["superior"])
    item.refresh_from_db()
    assert item.suggested_score == Decimal("20")
    assert item.facts["value"] == 2


def test_study_rule_counts_members_who_studied_in_the_period(issued, tree):
    from school.models import StudyDay
    from tests.members.factories import MemberFactory

    members = [MemberFactory(organization=tree["a"]) for _ in range(3)]
    StudyDay.objects.create(member=members[0], day=TODAY, seconds=600)
    StudyDay.objects.create(
        member=members[1], day=QUARTER_START - datetime.timedelta(days=1), seconds=600
    )
    item = item_of(issued, tree["a"], 1)
    result = services.refresh_facts(item)
    # 4 members (the fixture's member and three more), 1 studied in the period.
    assert result.value == 25.0
    assert result.suggested == Decimal("15.0")
    assert "参与率 25.0%" in item.facts["summary"]


def test_a_file_that_lies_about_its_type_is_refused_and_nothing_is_written(
    issued, tree, staff
):
    item = item_of(issued, tree["a"], 2)
    fake = SimpleUploadedFile("会议记录.jpg", b"MZ\x90\x00 not a picture")
    with pytest.raises(services.AssessmentError, match="不是 PDF、JPG、PNG 或 DOCX"):
        services.submit_item(
            item,
            services.ItemData("done", "已召开"),
            files=[png(), fake],
            by=staff["a"],
        )
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING
    assert not Evidence.objects.exists()
    renamed = png("会议记录.pdf")
    with pytest.raises(services.AssessmentError, match="扩展名与文件内容不符"):
        services.submit_item(
            item, services.ItemData("done"), files=[renamed], by=staff["a"]
        )


def test_report_score_return_and_report_again(issued, tree, staff):
    item = item_of(issued, tree["a"], 2)
    services.submit_item(
        item,
        services.ItemData("partly", "召开支委会 3 次", "/news/\n/school/"),
        files=[png()],
        by=staff["a"],
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED
    assert item.evidence.get().content_type == "image/png"
    with pytest.raises(services.AssessmentError, match="0 到 50"):
        services.score_item(item, score="51", by=staff["superior"])
    with pytest.raises(services.AssessmentError, match="数字"):
        services.score_item(item, score="NaN", by=staff["superior"])
    services.return_item(item, reason="请补充党课照片", by=staff["superior"])
    returned = Notification.objects.get(kind="assessment_returned")
    assert returned.recipient == staff["a"]
    assert "请补充党课照片" in returned.body
    with pytest.raises(services.AssessmentError, match="尚未报送"):
        services.score_item(item, score="40", by=staff["superior"])
    services.submit_item(
        item, services.ItemData("done", "已补充"), files=[png()], by=staff["a"]
    )
    services.score_item(item, score="45", comment="材料齐全", by=staff["superior"])
    item.refresh_from_db()
    assert (item.status, item.score, item.evidence.count()) == (
        ItemStatus.SCORED,
        Decimal("45.0"),
        2,
    )
    with pytest.raises(services.AssessmentError, match="已评分"):
        services.submit_item(item, services.ItemData("done"), by=staff["a"])
    assert actions(item.report) == [
        "assessment.report",
        "assessment.return",
        "assessment.report",
        "assessment.score",
    ]


def test_links_must_be_local_addresses(issued, tree, staff):
    item = item_of(issued, tree["a"], 2)
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(services.AssessmentError, match="本站页面地址"):
            services.submit_item(
                item, services.ItemData("done", "", bad), by=staff["a"]
            )


def _report_all(plan, org, user, scores):
    for index, score in enumerate(scores):
        item = item_of(plan, org, index)
        services.submit_item(item, services.ItemData("done", "完成"), by=user)
        if score is not None:
            services.score_item(item, score=score, by=user_superior(plan))


def user_superior(plan):
    return plan.created_by


def test_close_ranks_and_bands_and_keeps_the_history(issued, tree, staff):
    _report_all(issued, tree["a"], staff["a"], ["20", "30", "45"])  # 95 %
    _report_all(issued, tree["b"], staff["b"], ["10", "20", None])
    with pytest.raises(services.AssessmentError, match="还有 1 项已报送的任务未评分"):
        services.close_plan(issued, by=staff["superior"])
    services.score_item(item_of(issued, tree["b"], 2), score="30", by=staff["superior"])
    rows = services.close_plan(issued, by=staff["superior"])
    assert [(r.rank, r.report.organization.name, r.total, r.band) for r in rows] == [
        (1, "甲党支部", Decimal("95.0"), "excellent"),
        (2, "乙党支部", Decimal("60.0"), "qualified"),
    ]
    # The stored result does not move when the plan's thresholds do.
    issued.qualified_percent = 70
    issued.save()
    assert [r.band for r in services.results(issued)] == ["excellent", "qualified"]
    with pytest.raises(services.AssessmentError, match="考核未在进行中"):
        services.score_item(
            item_of(issued, tree["a"], 0), score="1", by=staff["superior"]
        )
    assert actions(issued)[-1] == "assessment.close"


def test_unreported_items_count_zero_and_ties_share_a_rank(issued, tree, staff):
    rows = services.close_plan(issued, by=staff["superior"])
    assert [(r.rank, r.total, r.band) for r in rows] == [
        (1, Decimal("0"), "unqualified"),
        (1, Decimal("0"), "unqualified"),
    ]


def test_publish_drafts_an_assessment_notice_through_the_notices_app(
    issued, tree, staff, home_page
):
    from notices.models import NoticePage, NoticeType

    with pytest.raises(services.AssessmentError, match="考核结束后"):
        services.publish_notice(issued, by=staff["superior"])
    _report_all(issued, tree["a"], staff["a"], ["20", "30", "45"])
    services.close_plan(issued, by=staff["superior"])
    notice = services.publish_notice(issued, by=staff["superior"])
    notice = NoticePage.objects.get(pk=notice.pk)
    assert notice.notice_type == NoticeType.ASSESSMENT
    assert notice.organization == tree["general"]
    assert not notice.live
    assert "第 1 名 甲党支部：95.0 分" in notice.body
    assert "先进党组织" in notice.body
    with pytest.raises(services.AssessmentError, match="已经生成过"):
        services.publish_notice(issued, by=staff["superior"])
    assert actions(issued)[-1] == "assessment.publish"


def test_reminders_for_overdue_and_unscored_are_sent_once_a_day(issued, tree, staff):
    services.submit_item(
        item_of(issued, tree["a"], 2), services.ItemData("done"), by=staff["a"]
    )
    later = TODAY + datetime.timedelta(days=11)
    assert services.send_reminders(later) == (2, 1)  # zz_a and zz_b; zz
    assert services.send_reminders(later) == (0, 0)
    overdue = Notification.objects.get(kind="assessment_overdue", recipient=staff["b"])
    assert "3 项任务已过报送截止日期" in overdue.body
    unscored = Notification.objects.get(kind="assessment_unscored")
    assert unscored.recipient == staff["superior"]
    assert services.send_reminders(TODAY) == (0, 1)  # nothing overdue yet


def test_reminder_command_runs_the_task(issued, tree, staff):
    from django.core.management import call_command

    services.submit_item(
        item_of(issued, tree["a"], 2), services.ItemData("done"), by=staff["a"]
    )
    call_command("send_assessment_reminders")
    assert Notification.objects.filter(kind="assessment_unscored").count() == 1
