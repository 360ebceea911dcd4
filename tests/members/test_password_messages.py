"""Every password rule speaks Chinese: its help text and each error it can raise."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import get_default_password_validators
from django.core.exceptions import ValidationError
from django.utils import translation

# Passwords that break each rule of AUTH_PASSWORD_VALIDATORS (one or more of them).
CANDIDATES = [
    "zhangsan01",  # like the username
    "Ab1!",  # short
    "password",  # common, one character class
    "12345678901234",  # numeric
    "abcdefghijkl",  # one character class
]
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _errors(validator, user) -> list[str]:
    messages = []
    for password in CANDIDATES:
        try:
            validator.validate(password, user)
        except ValidationError as exc:
            messages.extend(exc.messages)
    return messages


@pytest.mark.django_db
@pytest.mark.parametrize(
    "validator",
    get_default_password_validators(),
    ids=lambda v: type(v).__name__,
)
def test_help_text_and_errors_are_chinese(validator):
    user = get_user_model()(username="zhangsan01", email="zhangsan@example.org")
    with translation.override("zh-hans"):
        texts = [str(validator.get_help_text()), *_errors(validator, user)]
    assert len(texts) >= 2, "no candidate breaks this rule: add one to CANDIDATES"
    for text in texts:
        assert re.search(r"[\u4e00-\u9fff]", text), text
        assert not LATIN_WORD.search(text), text


@pytest.mark.django_db
def test_a_short_password_is_refused_in_chinese_by_the_password_forms():
    user = get_user_model().objects.create_user("lisi", password="Old-pass-2026")
    with translation.override("zh-hans"):
        form = SetPasswordForm(user, {"new_password1": "Ab1!", "new_password2": "Ab1!"})
        errors = form.errors["new_password2"]
    assert "密码太短：至少需要 10 个字符。" in errors
