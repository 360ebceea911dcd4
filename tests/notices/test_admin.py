"""公示反馈 in the admin: each role sees and answers only its organisations' feedback."""

import pytest
from django.urls import reverse

from members.roles import LEADER, MAILBOX_HANDLER, MEMBER, SCHOOL_ADMIN
from notices.models import FeedbackStatus
from tests.members.factories import make_site_admin, make_staff_user

from .conftest import send


@pytest.fixture
def both(notice_a, notice_b):
    return send(notice_a, content="甲支部反馈")[0], send(
        notice_b, content="乙支部反馈"
    )[0]


def test_scoped_staff_list_only_their_organisations_feedback(client, both, staff_a):
    mine, other = both
    client.force_login(staff_a)
    page = client.get(reverse("notices_feedback:index")).content.decode()
    assert mine.tracking_number in page and other.tracking_number not in page


def test_site_admin_sees_everything(client, both):
    client.force_login(make_site_admin())
    page = client.get(reverse("notices_feedback:index")).content.decode()
    assert all(f.tracking_number in page for f in both)


def test_staff_answers_in_scope_and_gets_403_outside(client, both, staff_a):
    mine, other = both
    client.force_login(staff_a)
    edit = client.get(reverse("notices_feedback:edit", args=[mine.pk]))
    assert edit.status_code == 200 and "13800138000" in edit.content.decode()
    response = client.post(
        reverse("notices_feedback:edit", args=[mine.pk]), {"reply": "已核实。"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == FeedbackStatus.REPLIED
    for name in ("edit", "history"):
        url = reverse(f"notices_feedback:{name}", args=[other.pk])
        assert client.get(url).status_code == 403
    forged = client.post(
        reverse("notices_feedback:edit", args=[other.pk]), {"reply": "越权"}
    )
    assert forged.status_code == 403
    other.refresh_from_db()
    assert other.status == FeedbackStatus.PENDING


def test_empty_reply_is_shown_on_the_form(client, both, staff_a):
    client.force_login(staff_a)
    response = client.post(
        reverse("notices_feedback:edit", args=[both[0].pk]), {"reply": " "}
    )
    assert response.status_code == 200
    both[0].refresh_from_db()
    assert both[0].status == FeedbackStatus.PENDING


@pytest.mark.parametrize("role", [SCHOOL_ADMIN, MAILBOX_HANDLER, LEADER])
def test_roles_without_the_right_get_403(client, both, tree, role):
    user = make_staff_user(role, scope=tree["a"])
    client.force_login(user)
    assert client.get(reverse("notices_feedback:index")).status_code == 403
    assert (
        client.get(reverse("notices_feedback:edit", args=[both[0].pk])).status_code
        == 403
    )
    assert client.get(reverse("notices_statistics")).status_code == 403


def test_member_is_kept_out_of_the_admin(client, both, tree):
    user = make_staff_user(MEMBER, scope=None)
    client.force_login(user)
    response = client.get(reverse("notices_feedback:edit", args=[both[0].pk]))
    assert response.status_code in (302, 403)
    assert both[0].content not in response.content.decode()


def test_staff_without_scope_see_nothing(client, both):
    from members.roles import PUBLICIST

    client.force_login(make_staff_user(PUBLICIST))
    assert client.get(reverse("notices_feedback:index")).status_code == 403


def test_statistics_are_scoped(client, both, staff_a, staff_b):
    client.force_login(staff_a)
    page = client.get(reverse("notices_statistics")).content.decode()
    assert "甲支部发展党员公示" in page and "乙支部发展党员公示" not in page
    client.force_login(staff_b)
    page = client.get(reverse("notices_statistics")).content.decode()
    assert "乙支部发展党员公示" in page and "甲支部发展党员公示" not in page


def test_history_is_scoped_in_the_site_log(client, both, staff_a, staff_b):
    client.force_login(staff_b)
    response = client.get(reverse("notices_feedback:history", args=[both[1].pk]))
    assert response.status_code == 200
    log = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert both[1].tracking_number in log and both[0].tracking_number not in log
