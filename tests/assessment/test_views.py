"""网上考核 in the admin, as each role: the issuer's staff see and score every report,
a target's staff only their own, everyone else 403 on every list, page, export and
action; the plan form keeps organisations within the scope; bad input is a 4xx."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from assessment import services
from assessment.models import AssessmentPlan, ItemStatus
from members.models import SecurityEvent

from .conftest import QUARTER_START, TODAY, item_of, report_of

pytestmark = pytest.mark.django_db


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 120, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def login(client, user):
    client.force_login(user)
    return client


def urls(plan, tree):
    report_a = report_of(plan, tree["a"])
    item = report_a.items.first()
    return {
        "plan": reverse("assessment_plan", args=[plan.pk]),
        "export": reverse("assessment_export", args=[plan.pk]),
        "history_view": reverse("assessment_admin:history", args=[plan.pk]),
        "report_a": reverse("assessment_report", args=[report_a.pk]),
        "submit_a": reverse("assessment_submit", args=[report_a.pk, item.pk]),
        "score_a": reverse("assessment_score", args=[report_a.pk, item.pk]),
        "return_a": reverse("assessment_return", args=[report_a.pk, item.pk]),
    }


def test_issuer_staff_see_every_report_score_and_export(client, issued, tree, staff):
    login(client, staff["superior"])
    u = urls(issued, tree)
    page = client.get(u["plan"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲党支部" in html and "乙党支部" in html
    assert client.get(reverse("assessment_admin:index")).status_code == 200
    item = item_of(issued, tree["a"], 2)
    services.submit_item(item, services.ItemData("done", "已召开"), by=staff["a"])
    response = client.post(
        reverse("assessment_score", args=[item.report_id, item.pk]),
        {f"s{item.pk}-score": "48", f"s{item.pk}-comment": "=HYPERLINK(1)"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.SCORED
    export = client.get(u["export"])
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    rows = list(sheet.values)
    assert rows[0] == (
        "名次",
        "党组织",
        "得分",
        "得分率（%）",
        "等次",
        "基层动态宣传（20分）",
        "党员网上学习（30分）",
        "三会一课（50分）",
    )
    assert rows[1] == (1, "甲党支部", 48.0, 48.0, "考核中", None, None, 48.0)
    trail = client.get(u["report_a"]).content.decode()
    assert "报送了考核任务完成情况" in trail
    assert "对考核任务评了分" in trail and "48.0 分；=HYPERLINK(1)" in trail


def test_export_cells_that_look_like_formulas_stay_text(client, issued, tree, staff):
    tree["a"].name = "=1+1"
    tree["a"].save()
    login(client, staff["superior"])
    export = client.get(reverse("assessment_export", args=[issued.pk]))
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "'=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)
    event = SecurityEvent.objects.get(action="export")
    assert event.user == staff["superior"] and event.ip_address == "127.0.0.1"


def test_a_branch_sees_and_reports_only_its_own(client, issued, tree, staff):
    login(client, staff["a"])
    u = urls(issued, tree)
    page = client.get(u["plan"]).content.decode()
    assert "甲党支部" in page and "乙党支部" not in page
    report_b = report_of(issued, tree["b"])
    assert (
        client.get(reverse("assessment_report", args=[report_b.pk])).status_code == 403
    )
    assert client.get(u["export"]).status_code == 403
    assert client.post(reverse("assessment_close", args=[issued.pk])).status_code == 403
    assert client.post(u["score_a"], {"s1-score": "1"}).status_code == 403
    assert client.post(u["return_a"], {"r1-reason": "x"}).status_code == 403
    item = item_of(issued, tree["a"], 2)
    response = client.post(
        reverse("assessment_submit", args=[item.report_id, item.pk]),
        {
            f"i{item.pk}-completion": "done",
            f"i{item.pk}-text": "召开支部党员大会 1 次",
            f"i{item.pk}-links": "/news/",
            f"i{item.pk}-files": [SimpleUploadedFile("会议.png", png_bytes())],
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED
    evidence = item.evidence.get()
    download = client.get(
        reverse("assessment_evidence", args=[item.report_id, evidence.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    history = client.get(reverse("assessment_history")).content.decode()
    assert "甲党支部" in history and "乙党支部" not in history


def test_a_lying_file_is_refused_with_a_chinese_message(client, issued, tree, staff):
    login(client, staff["a"])
    item = item_of(issued, tree["a"], 2)
    response = client.post(
        reverse("assessment_submit", args=[item.report_id, item.pk]),
        {
            f"i{item.pk}-completion": "done",
            f"i{item.pk}-files": [SimpleUploadedFile("照片.jpg", b"<html>x</html>")],
        },
        follow=True,
    )
    assert "不是 PDF、JPG、PNG 或 DOCX 文件" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


@pytest.mark.parametrize("who", ["c", "other", "leader", "member"])
def test_everyone_else_gets_403_everywhere(client, issued, tree, staff, who):
    login(client, staff[who])
    item = item_of(issued, tree["a"], 2)
    services.submit_item(
        item,
        services.ItemData("done"),
        files=[SimpleUploadedFile("p.png", png_bytes())],
        by=staff["a"],
    )
    evidence = item.evidence.get()
    u = urls(issued, tree)
    for name in ("plan", "export", "history_view", "report_a"):
        assert client.get(u[name]).status_code in (403, 302), name
    gets = [
        reverse("assessment_evidence", args=[item.report_id, evidence.pk]),
        reverse("assessment_admin:edit", args=[issued.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code in (403, 302), url
    posts = [
        u["submit_a"],
        u["score_a"],
        u["return_a"],
        reverse("assessment_close", args=[issued.pk]),
        reverse("assessment_publish", args=[issued.pk]),
    ]
    for url in posts:
        assert client.post(url, {}).status_code in (403, 302), url
    index = client.get(reverse("assessment_admin:index"))
    assert "第一季度党建工作考核" not in index.content.decode()
    history = client.get(reverse("assessment_history"))
    assert "甲党支部" not in history.content.decode()


def test_members_get_a_403_page_and_the_leader_without_scope_too(
    client, issued, tree, staff
):
    for who in ("member", "leader", "other"):
        login(client, staff[who])
        response = client.get(reverse("assessment_plan", args=[issued.pk]))
        # A member has no admin access (login page); a leader or another branch's
        # staff get the admin's 403 page.
        assert response.status_code in (302, 403)
        if response.status_code == 403:
            assert "无权访问" in response.content.decode()


def test_the_plan_form_keeps_organisations_within_the_scope(client, tree, staff):
    login(client, staff["superior"])
    add = reverse("assessment_admin:add")
    assert client.get(add).status_code == 200
    data = {
        "title": "第二季度考核",
        "organization": tree["general"].pk,
        "period_kind": "quarter",
        "period_start": QUARTER_START.isoformat(),
        "period_end": TODAY.isoformat(),
        "targets": [tree["a"].pk, tree["other"].pk],
        "excellent_percent": "90",
        "qualified_percent": "60",
        "study_weight": "40",
        "exam_weight": "20",
        "daily_weight": "10",
        "evaluation_weight": "30",
        "member_excellent_percent": "85",
        "member_qualified_percent": "60",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-title": "三会一课",
        "items-0-points": "50",
        "items-0-due_date": TODAY.isoformat(),
        "items-0-rule": "",
        "items-0-ORDER": "1",
    }
    assert client.post(add, data).status_code == 403  # 机关党支部 is outside
    data["targets"] = [tree["a"].pk, tree["b"].pk]
    response = client.post(add, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    plan = AssessmentPlan.objects.get(title="第二季度考核")
    assert set(plan.targets.values_list("name", flat=True)) == {"甲党支部", "乙党支部"}
    assert plan.items.get().title == "三会一课"
    data["title"] = "错误的方案"
    data["organization"] = tree["a"].pk  # targets not below the issuer
    response = client.post(add, data)
    assert response.status_code == 200
    assert "不是甲党支部的下级党组织" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"year": "99999999999999999999"},
        {"kind": "weekly"},
        {"year": "²"},
        {"org": "-1"},
    ],
)
def test_hostile_history_parameters_are_400(client, issued, staff, params):
    login(client, staff["superior"])
    assert client.get(reverse("assessment_history"), params).status_code == 400


def test_hostile_scores_are_refused_with_a_message(client, issued, tree, staff):
    login(client, staff["superior"])
    item = item_of(issued, tree["a"], 2)
    services.submit_item(item, services.ItemData("done"), by=staff["a"])
    url = reverse("assessment_score", args=[item.report_id, item.pk])
    for value in ("1e400", "NaN", "-1", "9" * 9, "1\x00"):
        response = client.post(url, {f"s{item.pk}-score": value}, follow=True)
        assert response.status_code == 200
        item.refresh_from_db()
        assert item.status == ItemStatus.SUBMITTED, value


def test_plan_and_report_pages_cost_the_same_queries_for_more_targets(
    client, tree, staff
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.members.factories import OrganizationFactory

    from .conftest import make_plan

    def count(plan):
        with CaptureQueriesContext(connection) as plan_page:
            assert (
                client.get(reverse("assessment_plan", args=[plan.pk])).status_code
                == 200
            )
        report = plan.reports.order_by("pk").first()
        with CaptureQueriesContext(connection) as report_page:
            url = reverse("assessment_report", args=[report.pk])
            assert client.get(url).status_code == 200
        return len(plan_page), len(report_page)

    login(client, staff["superior"])
    small = services.issue_plan(make_plan(tree, staff), by=staff["superior"])
    extra = [
        OrganizationFactory(parent=tree["general"], name=f"新{n}党支部")
        for n in range(6)
    ]
    big = make_plan(tree, staff, title="大方案")
    big.targets.add(*extra)
    services.issue_plan(big, by=staff["superior"])
    for plan in (small, big):  # one item reported per target, the others pending
        for report in plan.reports.all():
            services.submit_item(
                report.items.first(), services.ItemData("done"), by=staff["superior"]
            )
    count(small)  # the first request also loads the session and permissions
    assert count(small) == count(big)


@pytest.mark.parametrize("who", ["c", "other"])
def test_staff_nobody_assesses_get_403_on_the_lists_too(client, issued, staff, who):
    """丙党支部 (not a target) and 机关党支部 have nothing below them to assess and no
    plan concerns them: the lists answer 403 and the menu hides 网上考核."""
    login(client, staff[who])
    for url in (
        reverse("assessment_admin:index"),
        reverse("assessment_admin:add"),
        reverse("assessment_history"),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "网上考核由上级党组织的管理人员下发和评分" in response.content.decode()
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("assessment_history") not in menu


@pytest.mark.parametrize("who", ["superior", "a", "b"])
def test_the_issuer_and_the_targets_staff_keep_their_lists(client, issued, staff, who):
    login(client, staff[who])
    index = client.get(reverse("assessment_admin:index"))
    assert index.status_code == 200
    assert "第一季度党建工作考核" in index.content.decode()
    assert client.get(reverse("assessment_history")).status_code == 200
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("assessment_history") in menu


def test_a_branch_with_party_groups_may_assess_them(client, tree, staff):
    """A 党支部 with 党小组 below it has business here before any plan exists."""
    from tests.members.factories import OrganizationFactory

    OrganizationFactory(
        parent=tree["other"], name="第一党小组", code="K-J-1", kind="group"
    )
    login(client, staff["other"])
    assert client.get(reverse("assessment_admin:index")).status_code == 200
    assert client.get(reverse("assessment_admin:add")).status_code == 200
