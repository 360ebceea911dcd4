"""The login lockout holds when the attempts arrive all at once.

40 simultaneous wrong passwords for one account at a real gunicorn with 4 worker
processes (tests/served.py), counters in the database and then in Redis: exactly
AXES_FAILURE_LIMIT of them reach the password check (the site's hasher counts its
checks; each failure is a 「登录失败」 in the security log); the rest are refused as
locked out.
"""

from collections import Counter

import pytest
from django.conf import settings

from members.models import SecurityEvent
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _wrong_logins(served, username: str, count: int):
    session = served.session()
    token = served.form_token(session, "/accounts/login/")
    form = {
        "csrfmiddlewaretoken": token,
        "username": username,
        "password": "wrong-Password-1",
    }
    return served.concurrently(session, [("/accounts/login/", form)] * count)


def test_forty_simultaneous_wrong_passwords_get_exactly_five_checks(served):
    user = UserFactory(username="zhangsan")
    responses = _wrong_logins(served, user.username, 40)
    assert served.password_checks() == settings.AXES_FAILURE_LIMIT
    failed = SecurityEvent.objects.filter(
        action=SecurityEvent.Action.LOGIN_FAILED, username="zhangsan"
    )
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 429}
    assert statuses[429] >= 40 - settings.AXES_FAILURE_LIMIT
    for response in responses:
        if response.status_code == 429:
            assert "登录失败次数过多，账号已锁定" in response.text
        else:
            assert "请输入一个正确的用户名和密码" in response.text
    # Locked: the right password is refused too, without being checked.
    session = served.session()
    token = served.form_token(session, "/accounts/login/")
    locked = session.post(
        served.base_url + "/accounts/login/",
        data={
            "csrfmiddlewaretoken": token,
            "username": "zhangsan",
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert locked.status_code == 429
    assert served.password_checks() == settings.AXES_FAILURE_LIMIT


def test_a_right_password_clears_the_accounts_count(served):
    user = UserFactory(username="lisi")
    limit = settings.AXES_FAILURE_LIMIT
    _wrong_logins(served, user.username, limit - 1)
    served.login("lisi", PASSWORD)
    responses = _wrong_logins(served, user.username, limit - 1)
    assert {r.status_code for r in responses} == {200}
