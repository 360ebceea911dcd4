"""Only approved board messages and published letters reach the site search."""

import pytest
from django.urls import reverse

from mailbox import services
from mailbox.models import BoardCategory


@pytest.fixture
def post(member):
    def make(title: str):
        return services.post_message(
            author=member.user,
            category=BoardCategory.objects.get(name="学习教育"),
            title=title,
            body=f"{title}的具体内容",
            anonymous=False,
        )

    return make


def _api_titles(client, query: str) -> list[str]:
    response = client.get(reverse("api:search"), {"q": query})
    return [r["title"] for r in response.json().get("results", [])]


def test_pending_rejected_and_hidden_messages_never_reach_search(
    client, post, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pending = post("夜校学习安排")
        rejected = post("夜校课程表调整")
        services.reject_message(rejected, by=reviewer, reason="重复")
    assert _api_titles(client, "夜校") == []
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_message(pending, by=reviewer)
    assert _api_titles(client, "夜校") == ["夜校学习安排"]
    with django_capture_on_commit_callbacks(execute=True):
        services.hide_message(pending, by=reviewer, reason="不实")
    assert _api_titles(client, "夜校") == []


def test_search_sources_offer_only_public_objects(
    post, reviewer, submit, handler, leader
):
    from mailbox.models import Letter
    from mailbox.search import BoardMessageSource, PublishedLetterSource

    shown, hidden = post("公开留言"), post("待审留言")
    services.approve_message(shown, by=reviewer)
    source = BoardMessageSource()
    assert list(source.indexable()) == [shown]
    assert source.is_indexable(shown) and not source.is_indexable(hidden)
    document = source.to_document(shown)
    assert "孙明" not in document.title + document.body

    letter, _ = submit(content="我是李四，电话 13812345678")
    services.accept_letter(letter, by=handler)
    services.sign_off_reply(
        services.draft_reply(letter, by=handler, body="已办"), by=leader
    )
    letters = PublishedLetterSource()
    assert not letters.is_indexable(letter)
    from django.contrib.auth.models import Permission

    handler.user_permissions.add(Permission.objects.get(codename="publish_letters"))
    handler = type(handler).objects.get(pk=handler.pk)
    services.publish_letter(letter, by=handler, subject="公开标题", content="公开内容")
    letter = Letter.objects.get(pk=letter.pk)
    assert letters.is_indexable(letter)
    document = letters.to_document(letter)
    assert "13812345678" not in document.body and "李四" not in document.body
    assert document.url == f"/mailbox/letters/{letter.public_id}/"
