"""Message board: pre-moderation, sensitive words, replies, reports and appeals."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from mailbox import services
from mailbox.models import BoardCategory, BoardMessage, SensitiveWord

XSS = '<script>alert("x")</script> 访问 http://evil.example/a 看看'


@pytest.fixture
def category(shipped_data):
    return BoardCategory.objects.get(name="意见建议")


@pytest.fixture
def post(member, category):
    def make(**fields):
        values = {
            "author": member.user,
            "category": category,
            "title": "建议增加主题党日活动形式",
            "body": "可以组织参观红色教育基地。",
            "anonymous": False,
        }
        values.update(fields)
        return services.post_message(**values)

    return make


def _public_pages(client, message) -> list[str]:
    return [
        client.get(reverse("mailbox:board")).content.decode(),
        client.get(
            reverse("mailbox:board"), {"category": message.category_id}
        ).content.decode(),
    ]


def test_posting_needs_login(client, db):
    """The page cache looks the site up (kept until the next purge): it needs the db."""
    response = client.get(reverse("mailbox:board_post"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_new_message_is_invisible_until_approved_then_shows_with_reply(
    client, post, reviewer
):
    message = post()
    for html in _public_pages(client, message):
        assert message.title not in html
    assert (
        client.get(reverse("mailbox:board_message", args=[message.pk])).status_code
        == 404
    )
    assert BoardMessage.objects.public().count() == 0
    services.approve_message(message, by=reviewer)
    services.reply_to_message(message, by=reviewer, text="感谢建议，已纳入计划。")
    for html in _public_pages(client, message):
        assert message.title in html
        assert "感谢建议，已纳入计划。" in html
        assert "孙明" in html


def test_rejected_and_hidden_messages_never_show_publicly(client, post, reviewer):
    rejected = post(title="被拒绝的留言")
    services.reject_message(rejected, by=reviewer, reason="与主题无关")
    hidden = post(title="被隐藏的留言")
    services.approve_message(hidden, by=reviewer)
    services.hide_message(hidden, by=reviewer, reason="经核实不实")
    for html in _public_pages(client, hidden):
        assert "被拒绝的留言" not in html and "被隐藏的留言" not in html
    for message in (rejected, hidden):
        assert (
            client.get(reverse("mailbox:board_message", args=[message.pk])).status_code
            == 404
        )


def test_anonymous_display_hides_the_name_publicly_only(client, post, reviewer):
    message = post(anonymous=True)
    services.approve_message(message, by=reviewer)
    html = client.get(reverse("mailbox:board")).content.decode()
    assert "孙明" not in html and "匿名网友" in html
    client.force_login(reviewer)
    admin = client.get(reverse("mailbox_admin:board"), {"tab": "all"}).content.decode()
    assert "孙明" in admin


def test_plain_text_only_links_are_not_clickable_and_markup_is_escaped(
    client, post, reviewer
):
    message = post(body=XSS)
    services.approve_message(message, by=reviewer)
    html = client.get(
        reverse("mailbox:board_message", args=[message.pk])
    ).content.decode()
    assert "<script>alert" not in html
    assert 'href="http://evil.example' not in html
    assert "http://evil.example/a" in html
    client.force_login(reviewer)
    admin = client.get(reverse("mailbox_admin:board"), {"tab": "all"}).content.decode()
    assert "<script>alert" not in admin
    assert "&lt;script&gt;" in admin


def test_block_words_refuse_and_flag_words_mark_for_review(post):
    SensitiveWord.objects.create(word="违禁词", action="block")
    SensitiveWord.objects.create(word="敏感事", action="flag")
    with pytest.raises(ValidationError):
        post(body="这里有违\u200b禁 词")
    assert BoardMessage.objects.count() == 0
    message = post(body="关于敏 感 事的讨论")
    assert message.flagged_words == "敏感事"
    assert message.status == BoardMessage.Status.PENDING


def test_posting_is_rate_limited_per_member(post, settings):
    settings.PORTAL_BOARD_POSTS_PER_MEMBER = (2, 3600)
    post()
    post()
    with pytest.raises(services.RateLimited):
        post()


def test_only_reviewers_moderate(post, handler, client):
    message = post()
    with pytest.raises(PermissionDenied):
        services.approve_message(message, by=handler)
    client.force_login(handler)
    assert client.get(reverse("mailbox_admin:board")).status_code == 403
    response = client.post(
        reverse("mailbox_admin:board_action", args=[message.pk, "approve"])
    )
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == BoardMessage.Status.PENDING


def test_report_button_records_one_report_per_visitor(client, post, reviewer):
    message = post()
    services.approve_message(message, by=reviewer)
    url = reverse("mailbox:board_report", args=[message.pk])
    client.post(url, {"reason": "内容不实"})
    client.post(url, {"reason": "内容不实"})
    message.refresh_from_db()
    assert message.report_count == 1
    client.force_login(reviewer)
    queue = client.get(
        reverse("mailbox_admin:board"), {"tab": "reported"}
    ).content.decode()
    assert message.title in queue
    client.post(
        reverse("mailbox_admin:board_action", args=[message.pk, "dismiss"]),
        {"next_tab": "reported"},
    )
    queue = client.get(
        reverse("mailbox_admin:board"), {"tab": "reported"}
    ).content.decode()
    assert message.title not in queue
    assert BoardMessage.objects.public().filter(pk=message.pk).exists()


def test_pending_messages_cannot_be_reported(client, post):
    message = post()
    response = client.post(
        reverse("mailbox:board_report", args=[message.pk]), {"reason": "x"}
    )
    assert response.status_code == 404


def test_author_appeals_once_and_a_granted_appeal_publishes(
    client, post, reviewer, member
):
    message = post()
    services.reject_message(message, by=reviewer, reason="表述不清")
    client.force_login(member.user)
    mine = client.get(reverse("mailbox:board_mine")).content.decode()
    assert "表述不清" in mine and "申诉" in mine
    client.post(
        reverse("mailbox:board_appeal", args=[message.pk]), {"text": "已说明清楚"}
    )
    message.refresh_from_db()
    assert message.appeal_status == BoardMessage.AppealStatus.OPEN
    services.decide_appeal(message, by=reviewer, grant=True)
    message.refresh_from_db()
    assert message.status == BoardMessage.Status.APPROVED
    assert message.title in client.get(reverse("mailbox:board")).content.decode()


def test_others_cannot_appeal_my_message(post, reviewer, handler):
    message = post()
    services.reject_message(message, by=reviewer, reason="不符合要求")
    with pytest.raises(PermissionDenied):
        services.appeal_message(message, by=handler, text="我来申诉")


def test_member_posts_through_the_form(client, member, category):
    client.force_login(member.user)
    response = client.post(
        reverse("mailbox:board_post"),
        {"category": category.pk, "title": "食堂建议", "body": "希望增加素食窗口。"},
    )
    assert response.status_code == 302
    message = BoardMessage.objects.get()
    assert message.author_real_name == "孙明"
    assert message.status == BoardMessage.Status.PENDING


def test_board_post_with_the_anti_spam_field_filled_comes_back_whole(
    client, member, category
):
    client.force_login(member.user)
    form = {"category": category.pk, "title": "食堂建议", "body": "希望增加素食窗口。"}
    response = client.post(reverse("mailbox:board_post"), {**form, "website": "x"})
    assert response.status_code == 200
    assert "表单里有一栏应当留空" in response.content.decode()
    assert "希望增加素食窗口。" in response.content.decode()
    assert BoardMessage.objects.count() == 0
    assert client.post(reverse("mailbox:board_post"), form).status_code == 302
    assert BoardMessage.objects.count() == 1


def test_board_form_enforces_length_limits(client, member, category):
    client.force_login(member.user)
    client.post(
        reverse("mailbox:board_post"),
        {"category": category.pk, "title": "长" * 41, "body": "内容"},
    )
    client.post(
        reverse("mailbox:board_post"),
        {"category": category.pk, "title": "标题", "body": "长" * 1001},
    )
    assert BoardMessage.objects.count() == 0


def test_csrf_is_enforced_on_board_post_and_report(member, category, post, reviewer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    response = client.post(
        reverse("mailbox:board_post"),
        {"category": category.pk, "title": "标题", "body": "内容"},
    )
    assert response.status_code == 403
    message = post()
    services.approve_message(message, by=reviewer)
    response = client.post(
        reverse("mailbox:board_report", args=[message.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    assert BoardMessage.objects.count() == 1
