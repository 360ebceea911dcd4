"""The mailbox's and the board's limits hold when the attempts arrive all at once.

Each test fires its requests simultaneously at a real gunicorn with 4 worker
processes (tests/served.py) on the test database, with the counters in the database
and then in Redis; on PostgreSQL too when DATABASE_URL says so.
"""

from collections import Counter

import pytest
from django.conf import settings

from mailbox import services
from mailbox.models import BoardMessage, BoardReport, Letter
from tests.mailbox.factories import BoardMessageFactory
from tests.members.factories import PASSWORD

from .conftest import letter_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_forty_simultaneous_wrong_codes_get_exactly_five_checks(served, mailbox):
    session = served.session()
    token = served.form_token(session, "/mailbox/track/")
    # Three bursts, each at another letter: a race has three chances to show.
    for _ in range(3):
        letter, code = services.submit_letter(letter_data(mailbox), files=[], ip=None)
        wrong = {
            "csrfmiddlewaretoken": token,
            "number": letter.tracking_number,
            "code": "AAAA-BBBB-CCCC-DDDD",
        }
        responses = served.concurrently(session, [("/mailbox/track/", wrong)] * 40)
        # 404: the code was checked and is wrong; 429: refused before any check.
        assert Counter(r.status_code for r in responses) == {404: 5, 429: 35}
        for response in responses:
            if response.status_code == 429:
                assert "查询错误次数过多，请 15 分钟后再试" in response.text
        # The writer, elsewhere, still gets in: only this address is locked out.
        assert services.find_tracked_letter(
            letter.tracking_number, code, ip="192.0.2.1"
        )


def test_twenty_five_simultaneous_letters_store_at_most_ten(served, mailbox):
    limit, _window = settings.PORTAL_MAILBOX_LETTERS_PER_IP
    session = served.session()
    token = served.form_token(session, "/mailbox/write/")
    forms = [
        {
            "csrfmiddlewaretoken": token,
            "mailbox": mailbox.pk,
            "letter_type": "suggest",
            "subject": f"建议第{i}条",
            "content": "建议增加夜班热食供应。",
            "real_name": "",
            "phone": "",
            "email": "",
            "privacy": "on",
            "submission_token": services.new_submission_token(),
            "website": "",
        }
        for i in range(25)
    ]
    responses = served.concurrently(session, [("/mailbox/write/", f) for f in forms])
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {302: limit, 429: 25 - limit}
    assert Letter.objects.count() == limit
    for response in responses:
        if response.status_code == 429:
            assert "提交过于频繁，请稍后再试" in response.text


def test_simultaneous_board_posts_store_at_most_the_members_allowance(
    served, member, shipped_data
):
    limit, _window = settings.PORTAL_BOARD_POSTS_PER_MEMBER
    session = served.login(member.user.username, PASSWORD)
    token = served.form_token(session, "/mailbox/board/new/")
    category = shipped_data_category()
    forms = [
        {
            "csrfmiddlewaretoken": token,
            "category": category.pk,
            "title": f"留言{i}",
            "body": "建议增加学习资料。",
            "website": "",
        }
        for i in range(15)
    ]
    responses = served.concurrently(
        session, [("/mailbox/board/new/", f) for f in forms]
    )
    assert Counter(r.status_code for r in responses) == {302: limit, 429: 15 - limit}
    assert BoardMessage.objects.filter(author=member.user).count() == limit
    for response in responses:
        if response.status_code == 429:
            assert "留言过于频繁，请稍后再试" in response.text


def test_simultaneous_reports_from_one_address_stop_at_its_allowance(
    served, member, shipped_data
):
    limit, _window = settings.PORTAL_BOARD_REPORTS_PER_IP
    category = shipped_data_category()
    messages = BoardMessageFactory.create_batch(
        limit + 10, author=member.user, author_real_name="孙明", category=category
    )
    session = served.session()
    token = served.form_token(session, f"/mailbox/board/{messages[0].pk}/")
    form = {"csrfmiddlewaretoken": token, "reason": "广告"}
    # One report per message, all at once, from the same address.
    responses = served.concurrently(
        session, [(f"/mailbox/board/{m.pk}/report/", form) for m in messages]
    )
    assert BoardReport.objects.count() == limit
    refused = [r for r in responses if r.status_code == 429]
    assert len(refused) == 10
    for response in refused:
        assert "举报过于频繁，请稍后再试" in response.text


def shipped_data_category():
    from mailbox.models import BoardCategory

    return BoardCategory.objects.order_by("sort_order").first()
