"""Feedback on notices: the 公示期, validation, tracking, answers, scope, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from wagtail.models import ModelLogEntry

from members.ratelimit import RateLimited
from members.roles import PUBLICIST
from notices import services
from notices.models import FeedbackStatus, NoticeFeedback
from notifications.models import Notification
from tests.members.factories import MemberFactory, make_site_admin, make_staff_user
from tests.notices.factories import NoticePageFactory

from .conftest import send


def test_feedback_on_open_notice_gets_number_and_code_and_tells_scoped_staff(
    notice_a, staff_a, staff_b
):
    feedback, code = send(notice_a)
    assert feedback.status == FeedbackStatus.PENDING
    assert len(code) == 19 and feedback.query_code_hash != code
    assert (
        services.find_tracked_feedback(feedback.tracking_number, code, ip="192.0.2.9")
        == feedback
    )
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"xc_a"}  # the other branch's staff hear nothing
    entry = ModelLogEntry.objects.get(action="notices.feedback_submit")
    assert entry.object_id == str(feedback.pk)


def test_wrong_code_finds_nothing_and_is_rate_limited(notice_a):
    feedback, _ = send(notice_a)
    for _ in range(5):
        assert (
            services.find_tracked_feedback(
                feedback.tracking_number, "AAAA-BBBB-CCCC-DDDD", ip="192.0.2.50"
            )
            is None
        )
    with pytest.raises(RateLimited, match="查询错误次数过多"):
        services.find_tracked_feedback(
            feedback.tracking_number, "AAAA-BBBB-CCCC-DDDD", ip="192.0.2.50"
        )


@pytest.mark.parametrize(
    ("starts", "message"), [(-20, "已结束"), (3, "尚未开始")], ids=["after", "before"]
)
def test_feedback_outside_the_period_is_refused_and_nothing_is_stored(
    index, tree, starts, message
):
    notice = NoticePageFactory(parent=index, organization=tree["a"], starts=starts)
    with pytest.raises(ValidationError, match=message):
        send(notice)
    assert not NoticeFeedback.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " "}, "真实姓名"),
        ({"contact": ""}, "联系电话或电子邮箱"),
        ({"contact": "12345"}, "手机号、固定电话或电子邮箱"),
        ({"contact": "a@"}, "电子邮箱格式不正确"),
        ({"content": "长" * 2001}, "1—2000"),
    ],
)
def test_bad_feedback_is_refused_with_a_chinese_message(notice_a, fields, message):
    with pytest.raises(ValidationError, match=message):
        send(notice_a, **fields)
    assert not NoticeFeedback.objects.exists()


def test_landline_and_email_are_accepted(notice_a):
    assert send(notice_a, contact="0531-88886601")[0].contact == "0531-88886601"
    assert send(notice_a, contact="li@example.com")[0].contact == "li@example.com"


@override_settings(PORTAL_NOTICES_FEEDBACK_PER_IP=(2, 3600))
def test_feedback_is_rate_limited_per_address(notice_a):
    send(notice_a)
    send(notice_a)
    with pytest.raises(RateLimited):
        send(notice_a)
    assert NoticeFeedback.objects.count() == 2


def test_scoped_staff_reply_and_the_writer_is_told(notice_a, staff_a):
    member = MemberFactory()
    feedback, _ = send(notice_a, user=member.user)
    services.reply_to_feedback(feedback, by=staff_a, text="经核实，情况属实。")
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.REPLIED
    assert feedback.replied_by == staff_a
    assert Notification.objects.filter(
        recipient=member.user, kind="notice_feedback_replied"
    ).exists()
    assert ModelLogEntry.objects.filter(
        action="notices.feedback_reply", user=staff_a
    ).exists()


def test_staff_of_another_branch_cannot_reply(notice_a, staff_b):
    feedback, _ = send(notice_a)
    with pytest.raises(PermissionDenied):
        services.reply_to_feedback(feedback, by=staff_b, text="越权答复")
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.PENDING and not feedback.reply


def test_staff_of_the_parent_organisation_and_site_admins_may_reply(notice_a, tree):
    parent = make_staff_user(PUBLICIST, scope=tree["committee"], username="xc_top")
    feedback, _ = send(notice_a)
    services.reply_to_feedback(feedback, by=parent, text="已转支部核实。")
    services.reply_to_feedback(feedback, by=make_site_admin(), text="已核实。")
    assert ModelLogEntry.objects.filter(action="notices.feedback_reply_change").exists()


def test_empty_reply_is_refused(notice_a, staff_a):
    feedback, _ = send(notice_a)
    with pytest.raises(ValidationError, match="答复内容"):
        services.reply_to_feedback(feedback, by=staff_a, text="  ")


def test_statistics_count_per_notice(notice_a, notice_b, staff_a):
    first, _ = send(notice_a)
    send(notice_a)
    send(notice_b)
    services.reply_to_feedback(first, by=staff_a, text="已答复。")
    from notices.models import NoticePage

    rows = {
        r["notice"].pk: r
        for r in services.feedback_statistics(NoticePage.objects.all())
    }
    assert (rows[notice_a.pk]["total"], rows[notice_a.pk]["replied"]) == (2, 1)
    assert (rows[notice_b.pk]["total"], rows[notice_b.pk]["pending"]) == (1, 1)


def test_install_is_idempotent(index):
    from notices.models import NoticeIndexPage

    assert services.install_notice_section() == index
    assert NoticeIndexPage.objects.count() == 1
    assert index.get_workflow().name == services.WORKFLOW_NAME
