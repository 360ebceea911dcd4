"""The demo letters: each has its own query code, printed by load_demo."""

import re

from mailbox import demo, services
from mailbox.models import Letter
from members.tracking import hash_query_code


def test_every_demo_letter_has_its_own_query_code(db):
    summary = demo.load()
    letters = list(Letter.objects.all())
    assert len(letters) == len(demo.LETTERS)
    assert len({letter.query_code_hash for letter in letters}) == len(letters)
    for letter in letters:
        code = demo.demo_query_code(letter.tracking_number)
        assert services.find_tracked_letter(letter.tracking_number, code, ip=None)
    number, code = re.search(r"编号 (\S+)，查询码 (\S+?)（", summary).groups()
    assert services.find_tracked_letter(number, code, ip=None).tracking_number == number
    others = [letter for letter in letters if letter.tracking_number != number]
    assert (
        services.find_tracked_letter(others[0].tracking_number, code, ip=None) is None
    )


def test_letters_of_an_older_demo_lose_the_shared_code(db):
    demo.load()
    shared = hash_query_code(demo.SHARED_CODE_OF_OLD_DEMOS, key=services._code_key())
    Letter.objects.update(query_code_hash=shared)
    demo.load()
    assert not Letter.objects.filter(query_code_hash=shared).exists()
    letter = Letter.objects.first()
    code = demo.demo_query_code(letter.tracking_number)
    assert services.find_tracked_letter(letter.tracking_number, code, ip=None)


def test_demo_member_finds_his_letters_and_the_reply_notification(db):
    from django.contrib.auth.models import Group

    from notifications.models import Notification
    from tests.members.factories import MemberFactory, UserFactory

    for username, group in (("xinxiang", "信箱办理人"), ("lingdao", "领导")):
        UserFactory(username=username).groups.add(Group.objects.get(name=group))
    member = MemberFactory(real_name="孙明", user__username="dangyuan")
    demo.load()
    mine = Letter.objects.filter(writer=member.user)
    assert mine.count() == len(demo.MEMBER_LETTERS)
    assert set(mine.values_list("status", flat=True)) == {"replied", "pending"}
    (note,) = Notification.objects.filter(recipient=member.user)
    assert note.kind == "letter_replied"
    demo.load()  # idempotent
    assert Notification.objects.filter(recipient=member.user).count() == 1


def test_demo_board_messages_were_posted_on_different_days(db):
    from django.utils import timezone

    from mailbox.models import BoardMessage

    demo.load()
    messages = list(BoardMessage.objects.all())
    assert len(messages) == len(demo.BOARD)
    assert len({m.created_at.date() for m in messages}) == len(messages)
    for message in messages:
        assert message.created_at < timezone.now()
        if message.replied_at:
            assert message.created_at < message.replied_at < timezone.now()
