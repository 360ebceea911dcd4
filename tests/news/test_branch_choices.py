"""The article's 所属党组织 offers and accepts only organisations within the writer's scope."""

import re

import pytest
from django.urls import reverse

from news.models import NewsArticlePage
from tests.members.factories import (
    MemberFactory,
    OrganizationFactory,
    make_site_admin,
    make_staff_user,
)
from tests.news.factories import make_article

from .test_views import add_url, article_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(branch):
    return {
        "committee": branch.get_parent(),
        "own": branch,
        "own_group": OrganizationFactory(
            parent=branch, name="第一党小组", kind="group"
        ),
        "other": OrganizationFactory(parent=branch.get_parent(), name="第二党支部"),
        "third": OrganizationFactory(parent=branch.get_parent(), name="第三党支部"),
    }


@pytest.fixture
def scoped_publicist(orgs):
    user = make_staff_user("宣传员", scope=orgs["own"], username="xc_scoped")
    MemberFactory(user=user, organization=orgs["own"], real_name="李宣传")
    return user


def branch_options(html: str) -> set[str]:
    select = re.search(r'<select name="branch".*?</select>', html, re.S).group(0)
    return {
        label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)
    }


def test_scoped_publicist_is_offered_only_their_branch_and_below(
    client, news_index, scoped_publicist
):
    client.force_login(scoped_publicist)
    options = branch_options(client.get(add_url(news_index)).content.decode())
    assert options - {"---------"} == {"第一党支部", "第一党小组"}


def test_publicist_without_scope_is_offered_their_own_branch(client, news_index, orgs):
    user = make_staff_user("宣传员", username="xc_member")
    MemberFactory(user=user, organization=orgs["own"])
    client.force_login(user)
    options = branch_options(client.get(add_url(news_index)).content.decode())
    assert options - {"---------"} == {"第一党支部", "第一党小组"}


def test_site_admin_is_offered_every_organisation(client, news_index, orgs):
    client.force_login(make_site_admin())
    options = branch_options(client.get(add_url(news_index)).content.decode())
    assert {"测试党委", "第一党支部", "第二党支部", "第三党支部"} <= options


def test_a_crafted_post_with_another_branch_is_refused(
    client, news_index, scoped_publicist, columns, orgs
):
    client.force_login(scoped_publicist)
    response = client.post(
        add_url(news_index), article_form(columns, branch=orgs["other"].pk)
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not NewsArticlePage.objects.exists()
    response = client.post(
        add_url(news_index), article_form(columns, branch=orgs["own_group"].pk)
    )
    assert response.status_code == 302
    assert (
        NewsArticlePage.objects.get().latest_revision.as_object().branch
        == (orgs["own_group"])
    )


def test_editing_another_branch_article_keeps_it_but_allows_no_other(
    client, news_index, scoped_publicist, columns, orgs
):
    article = make_article(news_index, title="第二支部新闻", branch=orgs["other"])
    edit = reverse("wagtailadmin_pages:edit", args=[article.pk])
    client.force_login(scoped_publicist)
    options = branch_options(client.get(edit).content.decode())
    assert options - {"---------"} == {"第一党支部", "第一党小组", "第二党支部"}
    data = article_form(
        columns, title="第二支部新闻", slug=article.slug, branch=orgs["third"].pk
    )
    response = client.post(edit, data)
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    data = article_form(
        columns, title="第二支部新闻", slug=article.slug, branch=orgs["other"].pk
    )
    assert client.post(edit, data).status_code == 302
