"""民主评议 pages per role: members of the branch rate on their pages; another
branch's member, another branch's staff, other roles and anonymous visitors are
refused; branch staff see tallies without raters, the 党委's staff see raters."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluation import services
from evaluation.models import Outcome, Rating, Round, Status
from members.models import Member
from members.roles import LEADER, MAILBOX_HANDLER, REVIEWER, SCHOOL_ADMIN
from tests.evaluation.factories import RoundFactory
from tests.members.factories import make_site_admin, make_staff_user

from .conftest import end_now

pytestmark = pytest.mark.django_db

ADMIN_GETS = ["evaluation_manage", "evaluation_raters"]
ADMIN_POSTS = [
    "evaluation_open",
    "evaluation_end",
    "evaluation_confirm",
    "evaluation_close",
]


def _admin_urls(round):
    return [reverse(name, args=[round.pk]) for name in ADMIN_GETS] + [
        reverse(f"evaluation_admin:{view}", args=[round.pk])
        for view in ("edit", "delete", "history")
    ]


def test_member_rates_on_the_phone_pages_and_moves_to_the_next(client, round, members):
    wang, zhao, li, sun = members
    client.force_login(wang.user)
    page = client.get(reverse("evaluation:detail", args=[round.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert '已评价 <strong data-testid="rated-count">0</strong> / 3 人' in html
    response = client.post(
        reverse("evaluation:detail", args=[round.pk]), {"text": "认真履职。"}
    )
    assert response.status_code == 302
    rate_url = reverse("evaluation:rate", args=[round.pk])
    others = sorted([zhao, li, sun], key=lambda m: (m.real_name, m.pk))
    response = client.post(
        f"{rate_url}?member={others[0].pk}", {"grade": "excellent", "comment": "好"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{rate_url}?member={others[1].pk}"
    assert Rating.objects.get(rater=wang, ratee=others[0]).grade == "excellent"
    # The list shows the member their own rating, never what others gave them.
    services.rate(round, zhao, wang.pk, "unqualified", "")
    html = client.get(reverse("evaluation:detail", args=[round.pk])).content.decode()
    assert "优秀" in html and "不合格" not in html
    me = client.get(reverse("me")).content.decode()
    assert round.title in me and "已评价 1 / 3 人" in me


def test_bad_input_is_refused_in_chinese(client, round, members, outsider):
    wang = members[0]
    client.force_login(wang.user)
    rate_url = reverse("evaluation:rate", args=[round.pk])
    assert client.get(f"{rate_url}?member=abc").status_code == 400
    assert client.get(rate_url).status_code == 404
    assert client.get(f"{rate_url}?member={outsider.pk}").status_code == 404
    assert client.get(f"{rate_url}?member={wang.pk}").status_code == 404
    response = client.post(
        f"{rate_url}?member={members[1].pk}", {"grade": "best", "comment": ""}
    )
    assert response.status_code == 400
    assert "请选择评价" in response.content.decode()
    response = client.post(reverse("evaluation:detail", args=[round.pk]), {"text": " "})
    assert response.status_code == 400 and "请填写自我评价" in response.content.decode()
    assert not Rating.objects.exists()


def test_member_of_another_branch_gets_403(client, round, outsider, members):
    client.force_login(outsider.user)
    for url in (
        reverse("evaluation:detail", args=[round.pk]),
        f"{reverse('evaluation:rate', args=[round.pk])}?member={members[0].pk}",
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"{reverse('evaluation:rate', args=[round.pk])}?member={members[0].pk}",
        {"grade": "unqualified"},
    )
    assert response.status_code == 403
    assert not Rating.objects.exists()
    assert round.title not in client.get(reverse("evaluation:index")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, round, members):
    for url in (
        reverse("evaluation:index"),
        reverse("evaluation:detail", args=[round.pk]),
        f"{reverse('evaluation:rate', args=[round.pk])}?member={members[0].pk}",
        *_admin_urls(round),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    for name in ADMIN_POSTS:
        response = client.post(reverse(name, args=[round.pk]))
        assert response.status_code == 302 and "login" in response["Location"]
    round.refresh_from_db()
    assert round.status == Status.OPEN


def test_staff_of_another_branch_get_403(client, round, staff_b, members):
    client.force_login(staff_b)
    index = client.get(reverse("evaluation_admin:index")).content.decode()
    assert round.title not in index
    for url in _admin_urls(round):
        assert client.get(url).status_code == 403, url
    assert (
        client.get(
            reverse("evaluation_manage", args=[round.pk]), {"export": "xlsx"}
        ).status_code
        == 403
    )
    for name in ADMIN_POSTS:
        response = client.post(
            reverse(name, args=[round.pk]),
            {"member": members[0].pk, "grade": "excellent"},
        )
        assert response.status_code == 403, name
    round.refresh_from_db()
    assert round.status == Status.OPEN and not Outcome.objects.exists()
    # Nor may they open a round in a branch outside their scope.
    response = client.post(
        reverse("evaluation_admin:add"),
        {
            "title": "越权评议",
            "organization": round.organization_id,
            "year": "2027",
            "opens_at": "2027-01-01 08:00",
            "closes_at": "2027-01-10 08:00",
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", [REVIEWER, SCHOOL_ADMIN, MAILBOX_HANDLER, LEADER])
def test_other_roles_get_403(client, tree, round, role):
    client.force_login(make_staff_user(role, scope=tree["a"]))
    for url in (
        reverse("evaluation_admin:index"),
        reverse("evaluation_manage", args=[round.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "民主评议党员由站点管理员和宣传员组织" in response.content.decode()


def test_branch_staff_see_tallies_but_not_raters(client, round, members, staff_a):
    wang, zhao = members[:2]
    services.rate(round, zhao, wang.pk, "excellent", "带头攻坚克难")
    client.force_login(staff_a)
    page = client.get(reverse("evaluation_manage", args=[round.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "带头攻坚克难" in html and "评价明细（含评价人）" not in html
    assert client.get(reverse("evaluation_raters", args=[round.pk])).status_code == 403
    export = client.get(
        reverse("evaluation_manage", args=[round.pk]), {"export": "xlsx"}
    )
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["票数汇总"]


def test_committee_staff_and_site_admins_see_raters(
    client, round, members, staff_committee
):
    wang, zhao = members[:2]
    services.rate(round, zhao, wang.pk, "excellent", "带头攻坚克难")
    for user in (staff_committee, make_site_admin()):
        client.force_login(user)
        page = client.get(reverse("evaluation_raters", args=[round.pk]))
        assert page.status_code == 200
        assert "赵雪" in page.content.decode()
        export = client.get(
            reverse("evaluation_manage", args=[round.pk]), {"export": "xlsx"}
        )
        sheet = load_workbook(io.BytesIO(export.content))["评价明细"]
        assert [c.value for c in sheet[2]] == ["王磊", "赵雪", "优秀", "带头攻坚克难"]


def test_staff_run_a_round_through_the_admin(client, tree, members, staff_a):
    client.force_login(staff_a)
    response = client.post(
        reverse("evaluation_admin:add"),
        {
            "title": "甲党支部2026年度民主评议党员",
            "organization": tree["a"].pk,
            "year": "2026",
            "opens_at": "2026-01-05 08:00",
            "closes_at": "2099-01-20 18:00",
        },
    )
    assert response.status_code == 302
    round = Round.objects.get()
    client.post(reverse("evaluation_open", args=[round.pk]))
    round.refresh_from_db()
    assert round.status == Status.OPEN
    services.rate(round, members[1], members[0].pk, "excellent", "")
    client.post(reverse("evaluation_end", args=[round.pk]))
    round.refresh_from_db()
    assert round.phase() == "ended"
    for member in members:
        client.post(
            reverse("evaluation_confirm", args=[round.pk]),
            {"member": member.pk, "grade": "qualified", "note": "同意"},
        )
    assert Outcome.objects.filter(round=round).count() == 4
    assert (
        client.post(
            reverse("evaluation_confirm", args=[round.pk]),
            {"member": members[0].pk, "grade": "nonsense"},
        ).status_code
        == 400
    )
    client.post(reverse("evaluation_close", args=[round.pk]))
    round.refresh_from_db()
    assert round.status == Status.CLOSED
    history = client.get(reverse("evaluation_admin:history", args=[round.pk]))
    assert "结束民主评议" in history.content.decode()
    # A member sees their confirmed outcome once the round is closed.
    client.force_login(members[0].user)
    page = client.get(reverse("evaluation:detail", args=[round.pk])).content.decode()
    assert "我的评议结果" in page and "同意" in page


def test_a_second_round_of_the_same_branch_and_year_is_refused(
    client, tree, round, staff_a
):
    client.force_login(staff_a)
    response = client.post(
        reverse("evaluation_admin:add"),
        {
            "title": "重复",
            "organization": tree["a"].pk,
            "year": "2026",
            "opens_at": "2026-01-05 08:00",
            "closes_at": "2026-01-20 18:00",
        },
    )
    assert response.status_code == 200
    assert "该党支部这一年度已有民主评议" in response.content.decode()


def test_ending_early_is_recorded(round, staff_a):
    round = end_now(round, staff_a)
    assert round.phase() == "ended"


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_pages_cost_the_same_queries_for_a_bigger_branch(client, tree, staff_a):
    from tests.members.factories import MemberFactory

    counts = []
    for size in (4, 24):
        Round.objects.all().delete()
        current = list(Member.objects.filter(organization=tree["a"]))
        current += [
            MemberFactory(organization=tree["a"]) for _ in range(size - len(current))
        ]
        round = services.open_round(
            RoundFactory(
                title="规模测试",
                organization=tree["a"],
                closes_at=timezone.now() + datetime.timedelta(days=1),
            ),
            by=staff_a,
        )
        for rater in current[:3]:
            for ratee in current:
                if ratee != rater:
                    services.rate(round, rater, ratee.pk, "qualified", "好")
        client.force_login(staff_a)
        manage = _queries(client, reverse("evaluation_manage", args=[round.pk]))
        client.force_login(current[0].user)
        detail = _queries(client, reverse("evaluation:detail", args=[round.pk]))
        counts.append((manage, detail))
    assert counts[0] == counts[1], counts


def test_the_raters_level_is_configurable(client, settings, round, staff_a):
    from evaluation.checks import check_raters_level

    settings.PORTAL_EVALUATION_RATERS_LEVEL = "branch"
    client.force_login(staff_a)
    assert client.get(reverse("evaluation_raters", args=[round.pk])).status_code == 200
    settings.PORTAL_EVALUATION_RATERS_LEVEL = "general_branch"
    assert client.get(reverse("evaluation_raters", args=[round.pk])).status_code == 403
    assert check_raters_level(None) == []
    settings.PORTAL_EVALUATION_RATERS_LEVEL = "党委"
    assert [e.id for e in check_raters_level(None)] == ["evaluation.E001"]
