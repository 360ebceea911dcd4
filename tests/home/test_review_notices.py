"""A page submitted for review notifies exactly the reviewers of its task."""

import pytest
from django.contrib.auth import get_user_model

from notifications.models import Notification
from tests.members.factories import UserFactory, make_staff_user
from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def news_index(home_page):
    from news.services import install_news_section

    return install_news_section(home_page)


def test_submission_notifies_the_tasks_reviewers_only(news_index):
    publicist = make_staff_user("宣传员", username="xc")
    reviewer = make_staff_user("审核员", username="sh")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    school_admin = make_staff_user("党校管理员", username="dx")
    retired = make_staff_user("审核员", username="old", is_active=False)
    article = make_article(news_index, "主题党日活动", publish=False, user=publicist)
    state = news_index.get_workflow().start(article, publicist)
    notes = Notification.objects.filter(kind="page_review")
    recipients = set(notes.values_list("recipient_id", flat=True))
    assert recipients == {reviewer.pk, superuser.pk}
    # Exactly those the task lets open the page in review.
    task = state.current_task_state.task.specific
    allowed = {
        u.pk
        for u in get_user_model().objects.filter(is_active=True)
        if task.user_can_access_editor(article, u) and u != publicist
    }
    assert recipients == allowed
    assert school_admin.pk not in recipients and retired.pk not in recipients
    note = notes.get(recipient=reviewer)
    assert note.title == "页面待审核：主题党日活动"
    assert note.url == f"/admin/pages/{article.pk}/edit/"
    assert note.email_status == ""  # Wagtail mails reviewers itself
