"""知识竞赛: window and audience, the server's end of the contest, best-of-N with ties
broken by time, boards by member and by branch (participation, not size), results
published at the close, scope per role."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exams import contests, services
from exams.models import Attempt, Exam
from members.roles import LEADER, MAILBOX_HANDLER, PUBLICIST, REVIEWER, SCHOOL_ADMIN
from tests.members.factories import MemberFactory, make_site_admin, make_staff_user

from .conftest import answer_all, client_for, take

pytestmark = pytest.mark.django_db


def test_window_and_audience_are_checked_on_the_server(contest, tree, member):
    outsider = MemberFactory(organization=MemberFactory().organization)
    with pytest.raises(services.ExamError, match="不在本次竞赛的参赛范围内"):
        services.start_attempt(contest, outsider)
    early = contest.starts_at - datetime.timedelta(minutes=1)
    with pytest.raises(services.ExamError, match="竞赛尚未开始"):
        services.start_attempt(contest, member, now=early)
    late = contest.ends_at + datetime.timedelta(seconds=1)
    with pytest.raises(services.ExamError, match="竞赛已经结束"):
        services.start_attempt(contest, member, now=late)
    assert not Attempt.objects.exists()


def test_the_window_end_cuts_the_time_limit(contest, member):
    contest.ends_at = timezone.now() + datetime.timedelta(minutes=3)
    contest.save()
    attempt = services.start_attempt(contest, member)
    assert attempt.deadline == contest.ends_at  # not 10 minutes
    # One answer saved in time, the rest arrive after the end: only the first counts.
    first = attempt.answers.get(position=1)
    right = answer_all(attempt)
    services.save_answer(attempt, member=member, position=1, response=right[1])
    after = contest.ends_at + datetime.timedelta(seconds=30)
    with pytest.raises(services.ExamError, match="答题时间已到"):
        services.save_answer(
            attempt, member=member, position=2, response=right[2], now=after
        )
    # Nobody hands in: reading the board after the close grades it from what was saved.
    assert contests.close_overdue(contest, now=after) == 1
    attempt.refresh_from_db()
    assert attempt.timed_out and attempt.correct_count == 1 and attempt.score == 25
    assert first.pk


def test_moving_the_end_earlier_shortens_attempts_already_open(contest, member):
    """The deadline of an open attempt is min(start + time limit, contest end) as the
    contest stands at each save and submit, not as it stood when the attempt began."""
    start = timezone.now()
    attempt = services.start_attempt(contest, member, now=start)
    assert attempt.deadline == start + datetime.timedelta(minutes=10)
    right = answer_all(attempt)
    services.save_answer(
        attempt, member=member, position=1, response=right[1], now=start
    )
    # Staff move the end to 2 minutes after the start, while the attempt is open.
    contest.ends_at = start + datetime.timedelta(minutes=2)
    contest.save()
    later = start + datetime.timedelta(minutes=4)  # within 10 minutes, after the end
    with pytest.raises(services.ExamError, match="答题时间已到"):
        services.save_answer(
            attempt, member=member, position=2, response=right[2], now=later
        )
    assert attempt.answers.get(position=2).saved_at is None
    # Handing in after the new end counts only what was saved in time.
    done = services.submit_attempt(
        attempt, member=member, responses=right, now=later
    ).attempt
    assert done.timed_out and done.correct_count == 1 and done.score == 25


def test_the_board_closes_attempts_cut_by_an_earlier_end(contest, member):
    start = timezone.now() - datetime.timedelta(minutes=5)
    attempt = services.start_attempt(contest, member, now=start)
    services.save_answer(
        attempt, member=member, position=1, response=answer_all(attempt)[1], now=start
    )
    contest.ends_at = start + datetime.timedelta(minutes=1)
    contest.save()
    assert contests.close_overdue(contest) == 1
    attempt.refresh_from_db()
    assert attempt.timed_out and attempt.score == 25


def test_an_end_moved_earlier_shows_on_the_open_page(contest, member):
    start = timezone.now()
    attempt = services.start_attempt(contest, member, now=start)
    contest.ends_at = start + datetime.timedelta(minutes=3)
    contest.save()
    page = client_for(member.user).get(
        reverse("exams:attempt", args=[attempt.public_id])
    )
    assert page.status_code == 200
    seconds = int(re.search(r'data-seconds="(\d+)"', page.content.decode())[1])
    assert seconds <= 180


def test_best_of_n_and_ties_broken_by_time(contest, tree):
    first = tree[1]
    fast, slow, better_later = (MemberFactory(organization=first) for _ in range(3))
    take(contest, fast, seconds=40)
    take(contest, slow, seconds=90)
    take(contest, better_later, right=False, seconds=20)
    take(contest, better_later, seconds=100)
    with pytest.raises(services.ExamError, match="最多可答 2 次"):
        services.start_attempt(contest, better_later)
    board = contests.boards(contest)
    order = [row.member_id for row in board.members]
    assert order == [fast.pk, slow.pk, better_later.pk]
    assert [row.score for row in board.members] == [100, 100, 100]
    assert board.members[2].attempts == 2


def test_branch_board_ranks_by_participation_not_size(contest, tree):
    _, first, second = tree
    # 第一党支部: 10 members, 3 take part with 100. 第二党支部: 2 members, both 80-ish.
    big = [MemberFactory(organization=first) for _ in range(10)]
    small = [MemberFactory(organization=second) for _ in range(2)]
    for member in big[:3]:
        take(contest, member)
    for member in small:
        take(contest, member)
    board = contests.boards(contest)
    rows = {row.name: row for row in board.branches}
    assert rows["第一党支部"].participants == 3
    assert rows["第一党支部"].rate == pytest.approx(0.3)
    assert rows["第二党支部"].rate == 1.0
    assert board.branches[0].name == "第二党支部"
    assert board.participants == 5 and board.audience_members == 12


def test_member_sees_board_of_their_audience_and_no_keys_before_close(
    contest, member, other_member
):
    attempt = take(contest, member)
    take(contest, other_member, right=False)
    client = client_for(member.user)
    page = client.get(f"/exams/contests/{contest.pk}/board/").content.decode()
    assert "实时" in page and "孙明" in page and "李华" in page
    assert "我的名次：第 1 名" in page
    result = client.get(f"/exams/attempts/{attempt.public_id}/").content.decode()
    assert "竞赛结束后公布答案" in result
    assert "正确答案" not in result and "回答正确" not in result
    # After the close: final ranking and the keys.
    contest.starts_at = timezone.now() - datetime.timedelta(hours=3)
    contest.ends_at = timezone.now() - datetime.timedelta(hours=1)
    contest.save()
    page = client.get(f"/exams/contests/{contest.pk}/board/").content.decode()
    assert "最终排名" in page
    result = client.get(f"/exams/attempts/{attempt.public_id}/").content.decode()
    assert "正确答案" in result


def test_contest_pages_list_and_start(contest, member):
    client = client_for(member.user)
    listing = client.get("/exams/contests/").content.decode()
    assert "党章党规知识竞赛" in listing and "进行中" in listing
    detail = client.get(f"/exams/contests/{contest.pk}/").content.decode()
    assert "开始竞赛" in detail and "取最好成绩" in detail
    started = client.post(f"/exams/{contest.pk}/start/")
    assert started.status_code == 302 and "/exams/attempts/" in started["Location"]
    assert client.get(f"/exams/{contest.pk}/").status_code == 302  # to the contest


def test_outsider_gets_403_and_cannot_start(contest):
    outsider = MemberFactory()
    client = client_for(outsider.user)
    for url in (
        f"/exams/contests/{contest.pk}/",
        f"/exams/contests/{contest.pk}/board/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
    client.post(f"/exams/{contest.pk}/start/")
    assert not Attempt.objects.filter(member=outsider).exists()
    assert "党章党规知识竞赛" not in client.get("/exams/contests/").content.decode()


@pytest.mark.parametrize("role", [PUBLICIST, REVIEWER, MAILBOX_HANDLER])
def test_staff_without_statistics_get_403(contest, role, tree):
    client = client_for(make_staff_user(role, scope=tree[0]))
    response = client.get(f"/exams/contests/{contest.pk}/board/")
    assert response.status_code == 403


def test_staff_see_their_scope_only(contest, member, other_member, tree):
    take(contest, member)
    take(contest, other_member)
    leader = make_staff_user(LEADER, scope=tree[2])
    page = client_for(leader).get(f"/exams/contests/{contest.pk}/board/")
    text = page.content.decode()
    assert page.status_code == 200 and "李华" in text and "孙明" not in text
    assert "第一党支部" not in text
    admin = client_for(make_site_admin())
    everything = admin.get(f"/exams/contests/{contest.pk}/board/").content.decode()
    assert "孙明" in everything and "李华" in everything
    school = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree[1]))
    assert (
        "李华"
        not in school.get(f"/exams/contests/{contest.pk}/board/").content.decode()
    )


def test_bad_input_changes_no_score(contest, member, other_member):
    attempt = services.start_attempt(contest, member)
    client = Client(enforce_csrf_checks=False)
    client.force_login(member.user)
    url = f"/exams/attempts/{attempt.public_id}/answer/"
    for body in (
        {"position": 99, "answer": ["A"]},
        {"position": 1, "answer": ["Z"]},
        {"position": "一", "answer": ["A"]},
    ):
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400
        assert re.search(r"[\u4e00-\u9fff]", response.json()["error"])
    intruder = client_for(other_member.user)
    response = intruder.post(
        url,
        json.dumps({"position": 1, "answer": ["A"]}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not attempt.answers.filter(saved_at__isnull=False).exists()


@pytest.mark.parametrize("pk", ["999999", "0"])
def test_unknown_contest_is_404(member, pk):
    client = client_for(member.user)
    assert client.get(f"/exams/contests/{pk}/").status_code == 404
    assert client.get(f"/exams/contests/{pk}/board/").status_code == 404


def test_anonymous_is_sent_to_log_in(contest):
    for url in ("/exams/contests/", f"/exams/contests/{contest.pk}/board/"):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_a_contest_needs_a_window_and_an_organiser(tree):
    from django.core.exceptions import ValidationError

    exam = Exam(title="竞赛", kind=Exam.Kind.CONTEST)
    with pytest.raises(ValidationError) as caught:
        exam.clean()
    assert "知识竞赛要选择主办党组织" in str(caught.value)
    exam.organization = tree[0]
    exam.starts_at = timezone.now()
    exam.ends_at = exam.starts_at
    with pytest.raises(ValidationError, match="结束时间要晚于开始时间"):
        exam.clean()


def test_me_lists_running_contests(contest, member):
    page = client_for(member.user).get("/me/").content.decode()
    assert "党章党规知识竞赛" in page and "进行中" in page
