"""Mainland mobile numbers: normalising what people type and masking for display."""

import re

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()()]")


def normalise_phone(value) -> str:
    """The 11-digit number from '138 1234 5678', '+86-13812345678' or 13812345678.0.

    Raises ValueError with a Chinese message when it is not a mainland mobile number.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SEPARATORS.sub("", str(value).strip())
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text:
        return ""
    if not _MOBILE.fullmatch(text):
        raise ValueError(f"手机号「{value}」格式不正确，应为 11 位手机号码")
    return text


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits stay visible."""
    phone = phone or ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
