"""Setup of the news section, review workflow, role permissions, scheduled publishing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import GroupPagePermission, PageLogEntry, WorkflowState

from news.models import NewsArticlePage, NewsIndexPage
from news.services import install_news_section
from tests.members.factories import make_staff_user
from tests.news.factories import make_article

pytestmark = pytest.mark.django_db


def test_install_is_idempotent(home_page):
    first = install_news_section(home_page)
    permissions = GroupPagePermission.objects.count()
    second = install_news_section(home_page)
    assert first.pk == second.pk
    assert NewsIndexPage.objects.count() == 1
    assert GroupPagePermission.objects.count() == permissions
    assert first.get_workflow().name == "新闻审核发布"


def test_publicist_can_write_but_not_publish_reviewer_can(news_index):
    publicist = make_staff_user("宣传员")
    reviewer = make_staff_user("审核员")
    article = make_article(news_index, "权限测试", publish=False, user=publicist)
    as_publicist = article.permissions_for_user(publicist)
    assert as_publicist.can_edit() and not as_publicist.can_publish()
    assert news_index.permissions_for_user(publicist).can_add_subpage()
    assert article.permissions_for_user(reviewer).can_publish()
    outsider = make_staff_user("党员")
    assert not article.permissions_for_user(outsider).can_edit()


def _start_review(news_index, publicist, title="待审稿件"):
    article = make_article(news_index, title, publish=False, user=publicist)
    workflow_state = news_index.get_workflow().start(article, publicist)
    return NewsArticlePage.objects.get(pk=article.pk), workflow_state


def test_reviewer_rejects_with_comment_then_approves_resubmission(news_index):
    publicist = make_staff_user("宣传员")
    reviewer = make_staff_user("审核员")
    article, state = _start_review(news_index, publicist)
    task_state = state.current_task_state
    task = task_state.task.specific
    assert [a[0] for a in task.get_actions(article, publicist)] == []
    task.on_action(task_state, reviewer, "reject", comment="请补充活动时间和参加人数")
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert not NewsArticlePage.objects.get(pk=article.pk).live
    rejected = state.all_tasks_with_status()
    assert rejected[0].status == "rejected"
    assert task_state.__class__.objects.get(pk=task_state.pk).comment == (
        "请补充活动时间和参加人数"
    )

    article.save_revision(user=publicist)
    state.resume(publicist)
    state.refresh_from_db()
    new_task_state = state.current_task_state
    new_task_state.task.specific.on_action(new_task_state, reviewer, "approve")
    article = NewsArticlePage.objects.get(pk=article.pk)
    assert article.live
    actions = set(
        PageLogEntry.objects.filter(page=article).values_list("action", flat=True)
    )
    assert {"wagtail.workflow.start", "wagtail.workflow.reject", "wagtail.publish"} <= (
        actions
    )


def test_scheduled_article_goes_live_at_its_time(news_index, client):
    article = make_article(news_index, "定时发布", publish=False)
    article.go_live_at = timezone.now() + timedelta(hours=2)
    revision = article.save_revision()
    revision.publish()
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None
    assert not NewsArticlePage.objects.get(pk=article.pk).live
    call_command("publish_scheduled")
    assert not NewsArticlePage.objects.get(pk=article.pk).live
    # Two hours later (the revision's go-live time moved into the past):
    past = timezone.now() - timedelta(minutes=1)
    revision.content["go_live_at"] = past.isoformat()
    revision.approved_go_live_at = past
    revision.save(update_fields=["content", "approved_go_live_at"])
    call_command("publish_scheduled")
    assert NewsArticlePage.objects.get(pk=article.pk).live
    assert "定时发布" in client.get("/news/").content.decode()


def test_expired_article_disappears(news_index, client):
    article = make_article(news_index, "到期下线")
    NewsArticlePage.objects.filter(pk=article.pk).update(
        expire_at=timezone.now() - timedelta(minutes=1)
    )
    call_command("publish_scheduled")
    assert not NewsArticlePage.objects.get(pk=article.pk).live
    assert "到期下线" not in client.get("/news/").content.decode()
