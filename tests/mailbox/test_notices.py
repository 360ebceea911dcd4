"""Letter and board events reach exactly the people who may open the object."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from mailbox import services
from mailbox.models import Letter
from mailbox.permissions import can_moderate_board
from notifications.models import Notification
from tests.members.factories import MemberFactory, UserFactory


def _kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_new_letter_reaches_only_the_handlers_of_its_mailbox(
    submit, handler, leader, other_handler, other_leader, other_mailbox, member
):
    letter, _ = submit(user=member.user)
    assert _kinds(handler) == ["letter_new"]
    note = Notification.objects.get(recipient=handler)
    assert letter.tracking_number in note.title
    assert note.url == f"/admin/mailbox/letters/{letter.pk}/"
    # Neither the letter's text nor the writer's name or contact is in it.
    for secret in ("党费", "李四", "13812345678", "writer@example.org"):
        assert secret not in note.title + note.body
    for outsider in (other_handler, other_leader, leader, member.user):
        assert _kinds(outsider) == []
    # Transferred: now the other mailbox's handlers, once.
    services.transfer_letter(letter, by=handler, to=other_mailbox)
    assert _kinds(other_handler) == ["letter_new"]
    assert _kinds(handler) == ["letter_new"]


def test_reply_and_close_notify_the_writers_account_only(
    submit, handler, leader, member, mailoutbox, django_capture_on_commit_callbacks
):
    member.user.email = "writer@example.org"  # the same address typed in the form
    member.user.save()
    letter, _ = submit(user=member.user)
    assert letter.writer == member.user
    services.accept_letter(letter, by=handler)
    reply = services.draft_reply(letter, by=handler, body="按规定缴纳。")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_reply(reply, by=leader)
    note = Notification.objects.get(recipient=member.user)
    assert note.kind == "letter_replied"
    assert note.url == f"/mailbox/mine/{letter.tracking_number}/"
    assert "按规定缴纳" not in note.title + note.body  # the reply stays on the site
    # One mail to the writer, not one per channel.
    assert [m.to for m in mailoutbox] == [["writer@example.org"]]
    services.close_letter(Letter.objects.get(pk=letter.pk), by=handler)
    assert _kinds(member.user) == ["letter_replied", "letter_finished"]
    assert _kinds(handler) == ["letter_new"]
    assert _kinds(leader) == []


def test_anonymous_letters_notify_nobody_on_the_site(submit, handler, leader):
    letter, _ = submit()
    services.accept_letter(letter, by=handler)
    reply = services.draft_reply(letter, by=handler, body="已答复")
    services.sign_off_reply(reply, by=leader)
    assert set(Notification.objects.values_list("kind", flat=True)) == {"letter_new"}


def test_deadlines_notify_handlers_then_leaders_once(
    submit, handler, leader, other_handler, other_leader, other_mailbox
):
    soon, _ = submit(subject="即将到期")
    late, _ = submit(subject="已经超期")
    Letter.objects.filter(pk=soon.pk).update(due_date=date(2026, 11, 24))
    Letter.objects.filter(pk=late.pk).update(due_date=date(2026, 11, 19))
    today = date(2026, 11, 23)
    services.send_deadline_reminders(today)
    services.send_deadline_reminders(today)
    assert sorted(_kinds(handler)) == sorted(
        ["letter_new", "letter_new", "letter_due_soon", "letter_overdue"]
    )
    assert _kinds(leader) == ["letter_overdue"]
    assert _kinds(other_handler) == [] and _kinds(other_leader) == []


def test_board_events_reach_moderators_and_the_author(shipped_data, reviewer):
    from mailbox.models import BoardCategory

    author = MemberFactory(real_name="王芳").user
    bystander = MemberFactory().user
    site_admin = UserFactory(username="siteadmin")
    site_admin.groups.add(Group.objects.get(name="站点管理员"))
    superuser = UserFactory(username="root", is_superuser=True)
    handler_only = UserFactory(username="h")
    handler_only.groups.add(Group.objects.get(name="信箱办理人"))
    message = services.post_message(
        author=author,
        category=BoardCategory.objects.first(),
        title="食堂建议",
        body="建议延长午餐时间。",
        anonymous=False,
    )
    pending = set(
        Notification.objects.filter(kind="board_pending").values_list(
            "recipient_id", flat=True
        )
    )
    assert reviewer.pk in pending and superuser.pk in pending
    assert author.pk not in pending and bystander.pk not in pending
    assert handler_only.pk not in pending
    # Exactly those the board's permission lets moderate (and so open the post).
    everyone = get_user_model().objects.all()
    assert pending == {u.pk for u in everyone if can_moderate_board(u)}
    services.approve_message(message, by=reviewer)
    services.reply_to_message(message, by=reviewer, text="已转食堂。")
    services.hide_message(message, by=reviewer, reason="经核实不宜公开")
    assert _kinds(author) == ["board_approved", "board_replied", "board_report_outcome"]
    assert _kinds(bystander) == []
    rejected = services.post_message(
        author=author,
        category=BoardCategory.objects.first(),
        title="第二条",
        body="内容",
        anonymous=True,
    )
    services.reject_message(rejected, by=reviewer, reason="与主题无关")
    note = Notification.objects.filter(recipient=author).latest("pk")
    assert note.kind == "board_rejected" and "与主题无关" in note.body
